"""Helpers shared by the lineage tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakekit.core.results import ColumnEdge

CASES = Path(__file__).parent / "cases"
_EDGE = re.compile(r'^(\S+?)\.("[^"]+"|[^.\s]+) -> (\S+?)\.([^.]+?) (direct|indirect) (\w+)( unresolved)?$')


def edge(line: str) -> ColumnEdge:
    """``"raw.t.a -> out.b direct identity"`` as a ColumnEdge; a trailing ``unresolved`` marks it so.
    A struct's field is a source column in double quotes: ``raw.t."payload.city"``."""
    m = _EDGE.match(line.strip())
    assert m, f"bad edge line: {line!r}"
    source_table, source_column, *fields, unresolved = m.groups()
    return ColumnEdge(source_table, source_column.strip('"'), *fields,  # type: ignore[arg-type]
                      unresolved=unresolved is not None)


def edges(*lines: str) -> set[ColumnEdge]:
    return {edge(line) for line in lines}


@dataclass
class Case:
    """A ``cases/*.sql`` file: header comments (dialect, schema, target, warns), SQL, expected edges."""

    name: str
    sql: str
    expected: set[ColumnEdge]
    dialect: str | None = None
    target: str | None = None
    schema: dict[str, Any] | None = field(default=None)
    warns: str | None = None


def load_case(path: Path) -> Case:
    text = path.read_text()
    body, _, expect = text.partition("-- expect:")
    options: dict[str, str] = {}
    for line in body.splitlines():
        m = re.match(r"^-- (dialect|schema|target|warns): (.+)$", line)
        if m:
            options[m.group(1)] = m.group(2).strip()
    expected = {edge(line.removeprefix("--")) for line in expect.splitlines() if line.strip()}
    return Case(path.stem, body, expected, options.get("dialect"), options.get("target"),
                json.loads(options["schema"]) if "schema" in options else None, options.get("warns"))
