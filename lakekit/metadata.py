"""lakekit's own tables under ``<root>/_lakekit/``: indexes over the data tables' commits.

Every row here can be rebuilt from the data tables' histories (their commits carry the
provenance), so a crash between a data commit and its index row loses nothing. Rows are
checked against their pandera schema in ``schemas/lakekit_meta.py`` before they are written.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pyarrow as pa

from lakekit.errors import LakekitError
from lakekit.models import HistoryEntry
from lakekit.storage import META_NAMESPACE, Commit, Conflict, Storage

_TS = pa.timestamp("us", tz="UTC")
PROVENANCE_KEY = "lakekit"

SCHEMAS: dict[str, pa.Schema] = {
    "loads": pa.schema([
        ("table", pa.string()), ("load_id", pa.string()), ("version", pa.int64()), ("job", pa.string()),
        ("mode", pa.string()), ("files", pa.string()), ("rows", pa.int64()), ("quarantined", pa.int64()),
        ("metadata", pa.string()), ("lakekit_version", pa.string()), ("git_commit", pa.string()),
        ("user", pa.string()), ("host", pa.string()), ("committed_at", _TS),
    ]),
}


def _model(name: str) -> Any:
    try:
        module = importlib.import_module("schemas.lakekit_meta")
    except ModuleNotFoundError:
        return None
    for value in vars(module).values():
        config = getattr(value, "Config", None)
        if isinstance(value, type) and getattr(config, "name", None) == f"{META_NAMESPACE}.{name}":
            return value
    return None


def _check(name: str, rows: pa.Table) -> None:
    model = _model(name)
    if model is None:
        return
    import pandera.errors

    try:
        model.validate(pl.from_arrow(rows), lazy=True)
    except pandera.errors.SchemaErrors as e:
        failing = sorted({str(c) for c in e.failure_cases["column"].to_list() if c is not None})
        raise LakekitError(f"malformed {META_NAMESPACE}.{name} row (columns: {', '.join(failing)})") from None


def rows(name: str, records: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Records as a table of the metadata table's schema (dict/list values as JSON text)."""
    schema = SCHEMAS[name]
    cols = {
        f.name: [_json(r.get(f.name)) if pa.types.is_string(f.type) else r.get(f.name) for r in records]
        for f in schema
    }
    return pa.table(cols, schema=schema)


def _json(value: Any) -> Any:
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value


def append(storage: Storage, name: str, table: pa.Table) -> None:
    """Append rows to ``_lakekit/<name>`` (created on first use), after checking them."""
    table = table.cast(SCHEMAS[name])
    _check(name, table)
    full = f"{META_NAMESPACE}.{name}"
    while True:
        base = storage.open(full) if storage.exists(full) else None
        try:
            storage.write(full, table, mode="append", commit=Commit(), base=base)
            return
        except Conflict:
            continue


def read(storage: Storage, name: str, *, filter: str | None = None) -> pa.Table:
    """All rows of ``_lakekit/<name>`` (empty when it does not exist yet)."""
    full = f"{META_NAMESPACE}.{name}"
    if not storage.exists(full):
        return SCHEMAS[name].empty_table()
    return storage.read(full, filter=filter)


def provenance(commit: Mapping[str, Any]) -> dict[str, Any]:
    """The lakekit provenance a commit carries (empty for commits lakekit did not make)."""
    raw = commit.get(PROVENANCE_KEY)
    if not isinstance(raw, str):
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def history(storage: Storage, table: str) -> list[HistoryEntry]:
    """Every version of ``table``, newest first, with its provenance and row counts."""
    entries = []
    for h in storage.history(table):
        m = h.get("operationMetrics") or {}
        added = m.get("num_added_rows", m.get("num_target_rows_inserted"))
        removed = m.get("num_deleted_rows", m.get("num_target_rows_deleted"))
        entries.append(HistoryEntry(
            version=int(h["version"]),
            timestamp=datetime.fromtimestamp(h["timestamp"] / 1000, UTC),
            operation=str(h.get("operation", "")),
            rows_added=None if added is None else int(added),
            rows_removed=None if removed is None else int(removed),
            provenance=provenance(h),
        ))
    return entries


def loads(storage: Storage, table: str) -> pa.Table:
    """The loads of ``table``: the index, healed from the table's own commits when it lags.

    A load whose data commit landed but whose index row did not (a crash in between) is
    found in the table's history and indexed now.
    """
    indexed = read(storage, "loads", filter=f"\"table\" = '{table.replace(chr(39), chr(39) * 2)}'")
    known = set(indexed.column("load_id").to_pylist())
    missing = []
    for entry in history(storage, table):
        p = entry.provenance
        if p.get("operation") == "ingest" and p.get("files") and p.get("load_id") not in known:
            missing.append({**p, "table": table, "version": entry.version, "committed_at": entry.timestamp,
                            "rows": entry.rows_added or 0, "quarantined": p.get("quarantined", 0)})
    if missing:
        healed = rows("loads", missing)
        append(storage, "loads", healed)
        indexed = pa.concat_tables([indexed, healed])
    return indexed.sort_by([("version", "ascending")])
