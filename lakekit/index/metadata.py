"""lakekit's own tables under ``<root>/_lakekit/``: indexes over the data tables' commits.

Every row here can be rebuilt from the data tables' histories (their commits carry the
provenance), so a crash between a data commit and its index row loses nothing. Rows are
checked against their pandera schema in ``lakekit/index/schemas.py`` before they are written.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from lakekit.core.checks import Plan, compile_plan
from lakekit.core.results import HistoryEntry, ValidationReport
from lakekit.errors import LakekitError, TableNotFound
from lakekit.index import schemas
from lakekit.storage.delta import META_NAMESPACE, Commit, Conflict, Storage, select_rows

_TS = pa.timestamp("us", tz="UTC")
PROVENANCE_KEY = "lakekit"
COMPACT_EVERY = 50
"""Commits between two compactions of a metadata table."""
CHECKPOINT_EVERY = 10
"""Commits between two checkpoints of a metadata table's log."""

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


def _model(name: str) -> Any:
    for value in vars(schemas).values():
        config = getattr(value, "Config", None)
        if isinstance(value, type) and getattr(config, "name", None) == f"{META_NAMESPACE}.{name}":
            return value
    return None


@functools.cache
def _plan(name: str) -> Plan | None:
    model = _model(name)
    if model is None:
        return None
    empty = pl.from_arrow(SCHEMAS[name].empty_table())
    assert isinstance(empty, pl.DataFrame)
    return compile_plan(model, dict(empty.schema), source=f"{META_NAMESPACE}.{name}")


def _check(name: str, rows: pa.Table) -> None:
    """Rows checked against the table's schema in one polars pass (pandera runs what cannot be compiled)."""
    plan = _plan(name)
    if plan is None:
        return
    frame = pl.from_arrow(rows)
    assert isinstance(frame, pl.DataFrame)
    failing = set()
    if plan.rules:
        verdicts = frame.with_columns(*plan.prepare).select(
            *(r.fails.any().alias(str(i)) for i, r in enumerate(plan.rules))).row(0)
        failing |= {str(r.column) for r, bad in zip(plan.rules, verdicts, strict=True) if bad and r.rejects}
    failing |= {k.label for k in plan.keys if frame.select(k.value.is_duplicated().any()).item()}
    if plan.custom:
        import pandera.errors

        try:
            _model(name).validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as e:
            failing |= {str(c) for c in e.failure_cases["column"].to_list() if c is not None}
    if failing:
        raise LakekitError(f"malformed {META_NAMESPACE}.{name} row (columns: {', '.join(sorted(failing))})")


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


def append(storage: Storage, name: str, table: pa.Table, *, once_by: str | None = None) -> None:
    """Append rows to ``_lakekit/<name>`` (created on first use), after checking them.

    With ``once_by`` (a column identifying rows, e.g. ``load_id``), a row whose key was
    appended before, by any process, is dropped: each key is an app transaction of the commit
    that appended it, checked absent in the snapshot the commit is made on. So an ingest
    indexing its load and a reader healing the index from the same commit write one row.
    """
    table = table.cast(SCHEMAS[name])
    _check(name, table)
    full = f"{META_NAMESPACE}.{name}"
    while True:
        try:
            base: DeltaTable | None = storage.latest(full)
        except TableNotFound:
            base = None
        todo, commit = table, Commit()
        if once_by is not None:
            apps = [f"lakekit-{name}:{key}" for key in table.column(once_by).to_pylist()]
            fresh = [base is None or base.transaction_version(app) is None for app in apps]
            todo = table.filter(pa.array(fresh, pa.bool_()))
            if todo.num_rows == 0:
                return
            commit = Commit(transactions={a: 1 for a, f in zip(apps, fresh, strict=True) if f}, exclusive=True)
        try:
            version = storage.write(full, todo, mode="append", commit=commit, base=base,
                                    configuration=None if base is not None else _index_properties(name))
        except Conflict:
            if commit.exclusive:
                time.sleep(random.uniform(0.005, 0.05))
            continue
        _housekeep(storage, full, version)
        return


LOOKUP_COLUMNS = {"loads": "table", "validations": "table", "transforms": "table", "lineage": "transform_id",
                  "runs": "run_id", "run_inputs": "run_id", "run_outputs": "run_id", "run_erasures": "run_id",
                  "audit": "subject"}
"""The column each index table is looked up by: the only one with file statistics."""


def _index_properties(name: str) -> dict[str, str]:
    """An index table is rebuilt from the data tables' commits, never read at an old version.

    Its log is kept five minutes: delta-rs lists a local ``_delta_log`` whole on every commit,
    so a log kept longer makes each append slower by the commits it keeps (2,000 commits an
    hour: 8 → 40 ms). Tombstones of compacted files are kept an hour (a reader's snapshot stays
    readable; they cost nothing), and compaction vacuums the files older than that. Statistics
    cover the lookup column only (a third of the cost of an append is collecting them).
    """
    return {"delta.logRetentionDuration": "interval 5 minutes",
            "delta.deletedFileRetentionDuration": "interval 1 hours",
            "delta.dataSkippingStatsColumns": LOOKUP_COLUMNS[name]}


def _housekeep(storage: Storage, full: str, version: int) -> None:
    """An index table gains one small file and one log entry per append: every
    ``CHECKPOINT_EVERY`` commits its log is checkpointed, every ``COMPACT_EVERY`` its files are
    merged too, so appending and reading stay flat as it grows. A clash with another process's
    compaction leaves the work to that one."""
    if version and version % COMPACT_EVERY == 0:
        try:
            storage.compact(full)
            storage.vacuum(full, retention_hours=1, dry_run=False, keep_versions=())
        except Conflict:
            return
    elif version and version % CHECKPOINT_EVERY == 0:
        storage.checkpoint(full)


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


def verdicts(storage: Storage, table: str) -> dict[int, str]:
    """Version → the latest validation verdict recorded for it."""
    found: dict[int, str] = {}
    for r in sorted(read(storage, "validations", filter=of_table(table)).to_pylist(),
                    key=lambda r: r["validated_at"]):
        failing = len(json.loads(r["failures"] or "[]"))
        found[r["version"]] = "valid" if r["ok"] and not failing else (
            f"warned ({failing} failing check(s))" if r["ok"] else f"invalid ({failing} failing check(s))")
    return found


UNRECORDED = "verdict not recorded"
"""The status of a version written with a schema whose verdict was lost (a crash after the commit)."""


def _unrecorded(commit_provenance: Mapping[str, Any]) -> str:
    """The status of a version with no verdict: written without a schema, or its verdict lost
    (a crash between the commit and its ``_lakekit/validations`` row; ``lake.validate`` redoes it)."""
    return UNRECORDED if commit_provenance.get("schema_hash") else "unvalidated"


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
    return [dataclasses.replace(e, validation=checked.get(e.version) or _unrecorded(e.provenance))
            for e in commits(storage, table)]


WRITE_IDS = ("load_id", "transform_id", "run_id", "request_id")
"""Provenance keys naming the write a commit made (a load, a transform, a model run, an erasure)."""


def write_id(commit_provenance: Mapping[str, Any]) -> str | None:
    """The id of the write (load, transform or model run) a commit made, if lakekit made it."""
    return next((str(commit_provenance[k]) for k in WRITE_IDS if commit_provenance.get(k)), None)


def write_ids(storage: Storage, table: str) -> set[str]:
    """The ids of every write that committed to ``table``, from its own history."""
    return {i for e in commits(storage, table) if (i := write_id(e.provenance)) is not None}


def loads(storage: Storage, table: str) -> pa.Table:
    """The loads of ``table``: the index, healed from the table's own commits when it lags.

    A load whose data commit landed but whose index row did not (a crash in between) is
    found in the table's history and indexed now.
    """
    indexed = read(storage, "loads", filter=of_table(table))
    known = set(indexed.column("load_id").to_pylist())
    missing = []
    for entry in commits(storage, table):
        p = entry.provenance
        if p.get("operation") == "ingest" and p.get("files") and p.get("load_id") not in known:
            missing.append({**p, "table": table, "version": entry.version, "committed_at": entry.timestamp,
                            "rows": entry.rows_added or 0, "quarantined": p.get("quarantined", 0)})
    if missing:
        healed = rows("loads", missing)
        append(storage, "loads", healed, once_by="load_id")
        indexed = pa.concat_tables([indexed, healed.cast(indexed.schema)])  # read back: tz "Etc/UTC"
    return indexed.sort_by([("version", "ascending")])


def record_validation(storage: Storage, report: ValidationReport) -> None:
    """Index a validation verdict in ``_lakekit/validations``."""
    row = {**report.asdict(), "validated_at": datetime.now(UTC)}
    append(storage, "validations", rows("validations", [row]))
