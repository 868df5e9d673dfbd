"""What every CLI command shares: exit codes, the --lake/--json options, rendering.

Options are defined once here and reused by each command group.
"""

from __future__ import annotations

import enum
import json
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class ExitCode(enum.IntEnum):
    OK = 0
    USER_ERROR = 1
    USAGE = 2


def _config() -> dict[str, Any]:
    config = Path("lakekit.toml")
    return tomllib.loads(config.read_text()) if config.is_file() else {}


def default_lake() -> str:
    """``lake`` from ``./lakekit.toml`` when present, else ``./lake``."""
    root = _config().get("lake")
    return root if isinstance(root, str) else "lake"


LakeOpt = Annotated[
    str | None,
    typer.Option("--lake", help="Lake root (path or URI). Default: lakekit.toml's 'lake', else ./lake.",
                 rich_help_panel="Lake", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.", rich_help_panel="Output")]


def open_lake(root: str | None) -> Any:
    """The :class:`lakekit.Lake` at ``root`` (or the default root), with the schema package
    ``lakekit.toml`` names (``schemas = "..."``; default ``schemas``)."""
    from lakekit.lake import Lake

    package = _config().get("schemas")
    return Lake(root or default_lake(), schemas=package if isinstance(package, str) else "schemas")


def key_value(text: str, hint: str) -> tuple[str, str]:
    """``KEY=VALUE`` → (key, value); anything else is a usage error naming ``hint``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"expected KEY=VALUE, got '{text}'", param_hint=hint)
    return key, value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def first_rows(table: pa.Table, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of ``table`` as dicts (a table without columns has none)."""
    return table.slice(0, min(limit, table.num_rows)).to_pylist() if table.num_columns else []


def print_records(records: Sequence[Mapping[str, Any]], *, title: str | None = None,
                  columns: Iterable[str] | None = None) -> None:
    """A list of flat dicts as a rich table."""
    cols = list(columns) if columns is not None else list(records[0]) if records else []
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in records:
        table.add_row(*(_cell(r.get(c)) for c in cols))
    out.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)
