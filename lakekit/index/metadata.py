"""lakekit's own tables under ``<root>/_lakekit/``: indexes over the data tables' commits, and
how they are read (rows are appended by :mod:`lakekit.write.indexes`).

Every row here can be rebuilt from the data tables' histories (their commits carry the
provenance), so a crash between a data commit and its index row loses nothing. Rows are
checked against their pandera schema in ``lakekit/index/schemas.py`` before they are written.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.core.results import HistoryEntry, Verdict
from lakekit.errors import TableNotFound
from lakekit.storage.delta import META_NAMESPACE, Storage, select_rows

_TS = pa.timestamp("us", tz="UTC")
PROVENANCE_KEY = "lakekit"

SCHEMAS: dict[str, pa.Schema] = {
    "loads": pa.schema([
        ("table", pa.string()), ("load_id", pa.string()), ("version", pa.int64()), ("job", pa.string()),
        ("mode", pa.string()), ("files", pa.string()), ("rows", pa.int64()), ("quarantined", pa.int64()),
        ("metadata", pa.string()), ("lakekit_version", pa.string()), ("git_commit", pa.string()),
        ("user", pa.string()), ("host", pa.string()), ("committed_at", _TS),
    ]),
    "validations": pa.schema([
        ("table", pa.string()), ("version", pa.int64()), ("schema_name", pa.string()),
        ("schema_hash", pa.string()), ("rows_checked", pa.int64()), ("failures", pa.string()),
        ("ok", pa.bool_()), ("validated_at", _TS),
    ]),
    "transforms": pa.schema([
        ("table", pa.string()), ("version", pa.int64()), ("transform_id", pa.string()), ("sql", pa.string()),
        ("sql_hash", pa.string()), ("dialect", pa.string()), ("mode", pa.string()), ("keys", pa.string()),
        ("incremental", pa.bool_()), ("inputs", pa.string()), ("previous_inputs", pa.string()),
        ("source", pa.string()), ("job", pa.string()),
        ("rows", pa.int64()), ("quarantined", pa.int64()), ("git_commit", pa.string()), ("user", pa.string()),
        ("host", pa.string()), ("committed_at", _TS),
    ]),
    "lineage": pa.schema([
        ("transform_id", pa.string()), ("source_table", pa.string()), ("source_version", pa.int64()),
        ("source_column", pa.string()), ("target_table", pa.string()), ("target_version", pa.int64()),
        ("target_column", pa.string()), ("kind", pa.string()), ("subtype", pa.string()),
    ]),
    # one row per change of a run's state; a run is the fold of its rows (lakekit.runs)
    "runs": pa.schema([
        ("run_id", pa.string()), ("name", pa.string()), ("status", pa.string()), ("error", pa.string()),
        ("params", pa.string()), ("metrics", pa.string()), ("tags", pa.string()), ("artifacts", pa.string()),
        ("predictions", pa.string()), ("command", pa.string()), ("started_at", _TS), ("ended_at", _TS),
        ("updated_at", _TS), ("git_commit", pa.string()), ("git_dirty", pa.bool_()), ("user", pa.string()),
        ("host", pa.string()), ("python", pa.string()), ("packages", pa.string()), ("lakekit_version", pa.string()),
    ]),
    "run_inputs": pa.schema([
        ("run_id", pa.string()), ("seq", pa.int64()), ("table", pa.string()), ("version", pa.int64()),
        ("columns", pa.string()), ("filter", pa.string()), ("rows", pa.int64()), ("fingerprint", pa.string()),
        ("read_at", _TS),
    ]),
    "run_outputs": pa.schema([
        ("output_id", pa.string()), ("run_id", pa.string()), ("table", pa.string()), ("version", pa.int64()),
        ("mode", pa.string()), ("rows", pa.int64()), ("inputs", pa.string()), ("written_at", _TS),
    ]),
    # one row per run read (seq >= 1) or whole run (seq 0) an erasure changed: reproduce checks against it
    "run_erasures": pa.schema([
        ("erasure_id", pa.string()), ("request_id", pa.string()), ("subject", pa.string()), ("run_id", pa.string()),
        ("seq", pa.int64()), ("table", pa.string()), ("version", pa.int64()), ("rows_before", pa.int64()),
        ("rows", pa.int64()), ("fingerprint", pa.string()), ("reproducible", pa.bool_()), ("reason", pa.string()),
        ("at", _TS),
    ]),
    "audit": pa.schema([
        ("audit_id", pa.string()), ("request_id", pa.string()), ("action", pa.string()), ("status", pa.string()),
        ("subject", pa.string()), ("reason", pa.string()), ("details", pa.string()), ("user", pa.string()),
        ("host", pa.string()), ("lakekit_version", pa.string()), ("at", _TS),
    ]),
}


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


LOOKUP_COLUMNS = {"loads": "table", "validations": "table", "transforms": "table", "lineage": "transform_id",
                  "runs": "run_id", "run_inputs": "run_id", "run_outputs": "run_id", "run_erasures": "run_id",
                  "audit": "subject"}
"""The column each index table is looked up by: the only one with file statistics."""


def read(storage: Storage, name: str, *, filter: pc.Expression | None = None) -> pa.Table:
    """All rows of ``_lakekit/<name>`` (empty when it does not exist yet)."""
    full = f"{META_NAMESPACE}.{name}"
    try:
        snapshot = storage.latest(full)
    except TableNotFound:
        return SCHEMAS[name].empty_table()
    return select_rows(storage.dataset(full, snapshot=snapshot), full, columns=None, filter=filter)


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


def of_table(table: str) -> pc.Expression:
    """The predicate selecting one data table's rows of a metadata table."""
    return pc.field("table") == table


def verdicts(storage: Storage, table: str) -> dict[int, tuple[Verdict, int]]:
    """Version → the latest validation verdict recorded for it, with how many checks rows failed."""
    found: dict[int, tuple[Verdict, int]] = {}
    for r in sorted(read(storage, "validations", filter=of_table(table)).to_pylist(),
                    key=lambda r: r["validated_at"]):
        failing = len(json.loads(r["failures"] or "[]"))
        found[r["version"]] = ("valid" if r["ok"] and not failing else "warned" if r["ok"] else "invalid", failing)
    return found


def _unrecorded(commit_provenance: Mapping[str, Any]) -> Verdict:
    """The verdict of a version with none recorded: written without a schema, or its verdict lost
    (a crash between the commit and its ``_lakekit/validations`` row; ``lake.validate`` redoes it)."""
    return "unrecorded" if commit_provenance.get("schema_hash") else "unvalidated"


def commits(storage: Storage, table: str) -> list[HistoryEntry]:
    """Every version of ``table``, newest first, with its provenance and row counts (no verdicts)."""
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


def history(storage: Storage, table: str) -> list[HistoryEntry]:
    """Every version of ``table``, newest first, with its provenance, row counts and validation."""
    checked = verdicts(storage, table)
    return [dataclasses.replace(e, verdict=checked[e.version][0], failing_checks=checked[e.version][1])
            if e.version in checked else dataclasses.replace(e, verdict=_unrecorded(e.provenance))
            for e in commits(storage, table)]


WRITE_IDS = ("load_id", "transform_id", "run_id", "request_id")
"""Provenance keys naming the write a commit made (a load, a transform, a model run, an erasure)."""


def write_id(commit_provenance: Mapping[str, Any]) -> str | None:
    """The id of the write (load, transform or model run) a commit made, if lakekit made it."""
    return next((str(commit_provenance[k]) for k in WRITE_IDS if commit_provenance.get(k)), None)


def write_ids(storage: Storage, table: str) -> set[str]:
    """The ids of every write that committed to ``table``, from its own history."""
    return {i for e in commits(storage, table) if (i := write_id(e.provenance)) is not None}
