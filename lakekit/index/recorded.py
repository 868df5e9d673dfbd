"""The schemas a lake recorded: each definition once in ``_lakekit/schemas``, and which one governs
each version of a table — the one its commits name.

A write governed by a schema names it in its commit's provenance (``schema``, ``schema_hash``);
the definition's row (keyed ``table@hash``) is written before that commit
(:mod:`lakekit.write.governance`), so a commit never names a schema the lake does not hold, and a
crash in between leaves only a row nobody names.
The schema of version v is the one named by the newest commit at or before v that names one.
Where the log no longer holds such a commit (an erasure purged the log before its own commit),
the table's most recently recorded schema stands in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from deltalake import DeltaTable

from lakekit.core.results import RecordedSchema
from lakekit.index import metadata
from lakekit.index.provenance import from_commit
from lakekit.storage.delta import Storage


def recorded(storage: Storage, table: str) -> list[RecordedSchema]:
    """Every schema recorded for ``table``, oldest first."""
    found = metadata.read(storage, "schemas", where=metadata.of_table(table)).to_pylist()
    return [_schema(r, None) for r in sorted(found, key=lambda r: r["recorded_at"])]


def by_table(storage: Storage) -> dict[str, list[RecordedSchema]]:
    """Every schema recorded, per table, oldest first: one read for questions about many tables."""
    found: dict[str, list[RecordedSchema]] = {}
    for row in sorted(metadata.read(storage, "schemas").to_pylist(), key=lambda r: r["recorded_at"]):
        found.setdefault(row["table"], []).append(_schema(row, None))
    return found


def _schema(row: Mapping[str, Any], version: int | None) -> RecordedSchema:
    return RecordedSchema(row["table"], version, row["schema_name"], row["schema_hash"], json.loads(row["definition"]),
                          row["recorded_at"])


def _named(commit: Mapping[str, Any]) -> str | None:
    found = getattr(from_commit(commit), "schema_hash", None)
    return str(found) if found else None


def named(storage: Storage, table: str, version: int | None = None, *,
          snapshot: DeltaTable | None = None) -> tuple[int, str | None]:
    """(the version meant: ``version``, else the latest; the schema hash named by the newest commit at
    or before it): ``""`` when the log no longer reaches back far enough to tell, None when no commit
    names one. The latest commit (of ``snapshot``, when given) alone answers for the latest version
    of a governed table."""
    latest = (snapshot or storage.open(table)).history(1)[0]
    resolved = int(latest["version"]) if version is None else storage.resolve(table, version)
    if resolved == latest["version"] and (found := _named(latest)):
        return resolved, found
    commits = [c for c in storage.history(table) if c["version"] <= resolved]
    found = next((digest for c in commits if (digest := _named(c))), None)
    if found is None and commits and min(c["version"] for c in commits) > 0:
        return resolved, ""
    return resolved, found


def at(storage: Storage, table: str, version: int | None = None, *,
       snapshot: DeltaTable | None = None, schemas: list[RecordedSchema] | None = None) -> RecordedSchema | None:
    """The schema governing ``table`` at ``version`` (latest when None: that of ``snapshot``, when
    given); None when none was recorded. ``schemas``: :func:`recorded` of the table, when read already."""
    rows = recorded(storage, table) if schemas is None else schemas
    if not rows:
        return None
    resolved, digest = named(storage, table, version, snapshot=snapshot)
    chosen = rows[-1] if digest == "" else next((r for r in reversed(rows) if r.hash == digest), None)
    if chosen is None:
        return None
    return RecordedSchema(table, resolved, chosen.name, chosen.hash, chosen.definition, chosen.recorded_at)
