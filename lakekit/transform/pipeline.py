"""Transforms: one SQL statement → one new version of a table, over pinned input versions.

The lifecycle of a transform: ``parsed`` (target, query, mode) → ``pinned`` (every input
table at one version) → ``traced`` (column lineage of the statement over the inputs' real
schemas) → ``committed`` (rows validated and written by ``publish``) → ``indexed`` (its rows
in ``_lakekit/transforms`` and ``_lakekit/lineage``). The same SQL over the same input
versions is the same transform: its fingerprint is an app transaction in the commit that
made it, so running it again (or again after a crash) commits nothing and says so. SQL that
reads the clock or a random source (``CURRENT_DATE``, ``RANDOM()``, ``UUID()``…), and any run
with ``full_refresh``, is a transform of its own each time: it is never skipped as unchanged.
An UPDATE or DELETE that picks no row commits nothing (the table keeps its version, a run
again evaluates it again); its run is recorded all the same (:mod:`lakekit.transform.attempts`).

An *incremental* transform (``incremental=True`` with ``keys``) reads only the rows its
driving inputs gained since the versions it last consumed and merges its output into the
target on the keys; :mod:`lakekit.incremental` decides when that is exact and falls back to a
full refresh otherwise. Its provenance names both the previous and the new input versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pyarrow as pa
from deltalake import DeltaTable

from lakekit.core import names
from lakekit.core.evolution import reconcile
from lakekit.core.fingerprint import stable_hash
from lakekit.core.model import Model, OnInvalid
from lakekit.core.results import ColumnEdge, Explained, TransformResult, WriteMode
from lakekit.errors import TargetMoved, UsageError
from lakekit.index import metadata
from lakekit.index.heal import Healer, Lost
from lakekit.index.provenance import TransformProvenance, new_id, now
from lakekit.lineage import ValueCopy, column_lineage, traced
from lakekit.storage.delta import Storage
from lakekit.storage.fileset import FileSet
from lakekit.transform import attempts, in_place, incremental, query, rewrite, statement
from lakekit.transform.engines import DUCKDB, Engine
from lakekit.write import governance, indexes, publish
from lakekit.write.catalog import NONE, Catalog
from lakekit.write.commit import commit_once
from lakekit.write.publish import Target


@dataclass(frozen=True)
class TransformOptions:
    """The knobs of one transform that travel together."""

    dialect: str = query.DEFAULT_DIALECT
    mode: WriteMode = "overwrite"
    keys: tuple[str, ...] = ()
    versions: Mapping[str, int] | None = None
    schema: Model | None = None
    catalog: Catalog = NONE
    on_invalid: OnInvalid | None = None
    source: str | None = None
    job: str | None = None
    incremental: bool = False
    full_refresh: bool = False
    engine: Engine = DUCKDB
    """What runs the query (:mod:`lakekit.transform.engines`)."""


def _sql_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "DOUBLE"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_date(t):
        return "DATE"
    return "VARCHAR"


LAKE_NAMES = "duckdb"
"""Whose rules tell a transform's column names apart: DuckDB runs it, and neither DuckDB nor Delta
has case-sensitive column names, whatever the dialect it is written in."""


def input_schemas(storage: Storage, inputs: Mapping[str, int],
                  scans: Iterable[FileSet] = ()) -> dict[str, dict[str, str]]:
    """``{table: {column: SQL type}}`` of the pinned inputs, as lineage resolves columns against it;
    a version among ``scans`` (its files listed already) is not opened again."""
    known = {(s.table, s.version): s.schema for s in scans}
    out = {}
    for table, version in inputs.items():
        schema = known.get((table, version)) or pa.schema(storage.open(table, version).schema().to_arrow())
        out[table] = {f.name: _sql_type(f.type) for f in schema}
    return out


def copied_personal(storage: Storage, scans: Iterable[FileSet], copies: Sequence[ValueCopy],
                    catalog: Catalog) -> tuple[str, ...]:
    """Target columns holding the value of an input's personal-data column (as is, normalised or
    inside a larger value: :func:`lakekit.lineage.value_copies`): one its schema tags, or one its
    pinned version (``scans``) keeps out of its statistics (itself derived from a tagged one)."""
    personal: dict[str, set[str]] = {}
    for scan in scans:
        listed = scan.configuration.get("delta.dataSkippingStatsColumns")
        unlisted = set(scan.schema.names) - set(listed.split(",")) if listed else set()
        if scan.table not in personal:
            personal[scan.table] = set(governance.tags(storage, scan.table, catalog))
        personal[scan.table] |= unlisted
    return tuple(sorted({c.target_column for c in copies if c.source_column in personal.get(c.source_table, set())}))


def explain(storage: Storage, target: str, sql: str, options: TransformOptions) -> Explained:
    """What :func:`transform` would run: the SQL as DuckDB runs it and the pinned inputs, and the
    change delta-rs runs instead, when it does. Writes nothing."""
    stmt, _, _, prepared = _prepared(storage, target, sql, options)
    explained = prepared.explained(target)
    if stmt.change is None or _pinned(target, options):
        return explained
    planned = in_place.plan(stmt.change, storage.open(target))
    return replace(explained, change=planned.sql() if planned is not None else None)


def _pinned(target: str, options: TransformOptions) -> bool:
    """delta-rs changes a table's latest version: not one a transform reads incrementally or
    pinned at another version, which is rewritten from the version it read."""
    return options.incremental or target in (options.versions or {})


def _prepared(storage: Storage, target: str, sql: str,
              options: TransformOptions) -> tuple[statement.Statement, WriteMode, tuple[str, ...], query.Prepared]:
    """The statement taken apart and checked, its write mode and keys, and its query prepared."""
    stmt = statement.parse(sql, options.dialect, lambda table: pa.schema(storage.open(table).schema().to_arrow()))
    for named in (target, stmt.target):
        if named is not None:
            names.check_writable(named)
    if stmt.target is not None and stmt.target != target:
        raise UsageError(f"the SQL writes '{stmt.target}', not '{target}'")
    mode = stmt.mode or options.mode
    keys = stmt.keys or options.keys
    if options.incremental and (stmt.mode not in (None, "overwrite") or not keys):
        raise UsageError("an incremental transform is a query or CREATE TABLE AS with keys= to merge its new rows on")
    change = stmt.change
    if change is not None and change.joined and change.kind == "update" and options.engine.name != "duckdb":
        raise UsageError("UPDATE … FROM runs on DuckDB only (Spark refuses its correlated subqueries): "
                         "use engine='duckdb' or write it as MERGE INTO")
    if mode == "merge" and not keys:
        raise UsageError("mode='merge' needs keys= (or a MERGE INTO … ON statement)")
    prepared = query.prepare(storage, stmt.query, dialect=options.dialect, versions=options.versions, statement=sql,
                             parsed=stmt.tree)
    return stmt, mode, keys, prepared


def transform(storage: Storage, target: str, sql: str, options: TransformOptions) -> TransformResult:
    """Run ``sql`` over pinned inputs and commit its rows as a new version of ``target``; the run
    is recorded as it ends, with its start, or as failed (:mod:`lakekit.transform.attempts`)."""
    with attempts.recorded(storage, target, sql, options.dialect) as underway:
        return underway.done(_transform(storage, target, sql, options, underway))


def _transform(storage: Storage, target: str, sql: str, options: TransformOptions,
               underway: attempts.Attempt) -> TransformResult:
    stmt, mode, keys, prepared = _prepared(storage, target, sql, options)
    inputs = underway.inputs = {table: max(versions) for table, versions in prepared.inputs.items()}
    if target in inputs and mode == "overwrite" and not stmt.in_place:
        raise UsageError(f"'{target}' reads itself; use mode='merge' or 'append' for a self-referencing transform")
    schemas = input_schemas(storage, inputs, prepared.scans.values())
    lineage = traced(sql, dialect=options.dialect, schema=schemas, target=target, names=LAKE_NAMES)
    edges = tuple(lineage.edges)
    sql_hash = stable_hash({"sql": sql, "dialect": options.dialect, "keys": list(keys),
                            "mode": "incremental" if options.incremental else mode})
    transform_id = new_id()
    # The same SQL over the same inputs is the same transform (skipped when run again), unless it
    # reads the clock or a random source, or a full refresh is asked for: then this run is its own.
    again = {"run": transform_id} if prepared.volatile or options.full_refresh else {}

    def app_of(pins: Mapping[str, int]) -> str:
        return f"lakekit-transform:{stable_hash({'sql': sql_hash, 'inputs': dict(pins), **again})}"

    app = app_of(inputs)
    personal = () if storage.exists(target) else copied_personal(storage, prepared.scans.values(), lineage.copies,
                                                                 options.catalog)
    model = governance.for_write(storage, target, options.catalog, options.schema)
    named, digest = governance.stamp(model)

    def provenance(run_mode: WriteMode, previous: dict[str, int] | None, engine: str) -> TransformProvenance:
        return TransformProvenance(
            transform_id=transform_id, sql=sql, sql_hash=sql_hash, dialect=options.dialect, mode=run_mode,
            keys=tuple(keys), inputs=inputs, incremental=options.incremental, previous_inputs=previous,
            source=options.source, job=options.job or f"transform {target}", schema=named, schema_hash=digest,
            engine=engine)

    def checked(made: TransformProvenance) -> TransformProvenance:
        """``made``, once the index rows it will give are known to fit their tables (before the commit)."""
        draft = TransformResult(target, 0, inputs, edges, transform_id=transform_id,
                                previous_inputs=made.previous_inputs)
        lineage_draft, record_draft = index_rows(draft, made, now())
        indexes.check("lineage", lineage_draft)
        indexes.check("transforms", [record_draft])
        return made

    def unpicked(base: DeltaTable) -> TransformResult:
        """An UPDATE or DELETE picking no row: nothing committed, the run recorded all the same."""
        return TransformResult(target, base.version(), inputs, edges, transform_id=transform_id,
                               reason="it picks no row: nothing committed")

    def attempt(base: DeltaTable | None) -> tuple[TransformResult, TransformProvenance | None]:
        if base is not None and base.transaction_version(app) is not None:
            return TransformResult(target, base.version(), inputs, edges, skipped=True,
                                   reason="unchanged: this SQL already ran over these input versions"), None
        if base is not None and stmt.in_place and base.transaction_version(
                app_of({**inputs, target: base.version() - 1})) is not None:
            return TransformResult(target, base.version(), inputs, edges, skipped=True,
                                   reason="unchanged: this SQL made the current version of its target"), None
        read = inputs.get(target)
        if stmt.in_place and base is not None and not _pinned(target, options) and read not in (None, base.version()):
            raise TargetMoved(target, read, base.version())
        planned = in_place.plan(stmt.change, base) if not _pinned(target, options) else None
        if planned is not None and stmt.change is not None and base is not None:
            made = checked(provenance("overwrite", None, in_place.ENGINE))
            applied = in_place.apply(storage, target, base, stmt.change, planned, dialect=options.dialect, model=model,
                                     on_invalid=options.on_invalid, commit=made.commit({app: 1}))
            if applied is not None and applied.version is None:
                return unpicked(base), None
            if applied is not None and applied.version is not None:
                return TransformResult(target, applied.version, inputs, edges, rows=applied.rows,
                                       written=applied.written, transform_id=transform_id, validation=applied.report,
                                       reason=f"{planned.kind} of the files holding the rows it picks"), made
        located = rewrite.locate(storage, stmt.change, prepared, target, options.dialect, inputs) \
            if stmt.change is not None and base is not None and not _pinned(target, options) \
            and options.engine.name == "duckdb" else None
        picked = located.rows if located is not None else \
            _picked(storage, stmt.change, options, inputs) if stmt.change is not None else None
        if picked == 0 and base is not None and inputs.get(target) == base.version():
            return unpicked(base), None
        plan = incremental.plan(storage, base, sql_hash=sql_hash, prepared=prepared,
                                incremental=options.incremental, full_refresh=options.full_refresh)
        run_mode: WriteMode = "merge" if plan.refresh == "incremental" else mode
        scans = located.scans(prepared) if located is not None else plan.scans
        output = options.engine.output(storage, prepared, scans=scans, target=target, columns=stmt.columns)
        write_mode: WriteMode = "append" if located is not None else run_mode  # new files beside those kept
        try:  # files rewritten keep the table's types (a BigQuery query's integers are all INT64)
            schema = pa.schema(base.schema().to_arrow()) if located is not None and base is not None else \
                _schema(target, base, output.reader.schema, write_mode)
            made = checked(provenance(run_mode, plan.previous, options.engine.version()))
        except BaseException:
            output.discard(storage, target)
            raise
        published_target = Target(target, write_mode, keys, (), model, options.on_invalid,
                                  replace_schema=write_mode == "overwrite", updates=stmt.updates, personal=personal,
                                  replaces=located.files if located is not None else ())
        done = publish.publish(storage, published_target, base=base, schema=schema,
                               parts=[(f"transform {target}", output.reader)], write_id=transform_id, stamp=None,
                               commit=made.commit({app: 1}), written=output.folder)
        return TransformResult(target, done.version, inputs, edges, rows=done.rows if picked is None else picked,
                               written=done.rows, quarantined=done.quarantined, transform_id=transform_id,
                               validation=done.report, previous_inputs=plan.previous,
                               reason=located.reason if located is not None else plan.reason), made

    result, made = commit_once(storage, target, attempt)
    if made is not None:
        index(storage, result, made, now())
    return result


def _picked(storage: Storage, change: statement.Change, options: TransformOptions, inputs: Mapping[str, int]) -> int:
    """How many rows an UPDATE or DELETE picks in the versions it read, counted by its own engine."""
    prepared = query.prepare(storage, change.picked, dialect=options.dialect, versions=inputs)
    return int(options.engine.rows(storage, prepared).read_all().column("n")[0].as_py())


def index(storage: Storage, result: TransformResult, made: TransformProvenance, committed_at: datetime) -> None:
    """The ``_lakekit/lineage`` rows, then the ``_lakekit/transforms`` row, of a committed transform.

    Each is appended once per transform id, and the transforms row comes last: a transform whose
    row is missing is indexed again by :data:`TRANSFORMS`, which cannot then duplicate its edges.
    """
    edges, record = index_rows(result, made, committed_at)
    if edges:
        indexes.append(storage, "lineage", metadata.rows("lineage", edges), once_by="transform_id")
    indexes.append(storage, "transforms", metadata.rows("transforms", [record]), once_by="transform_id")


def index_rows(result: TransformResult, made: TransformProvenance,
               committed_at: datetime) -> tuple[list[dict[str, object]], dict[str, object]]:
    """The ``_lakekit/lineage`` rows and the ``_lakekit/transforms`` row of a transform."""
    record = {
        "table": result.table, "version": result.version, "transform_id": made.transform_id, "sql": made.sql,
        "sql_hash": made.sql_hash, "dialect": made.dialect, "mode": made.mode, "keys": list(made.keys),
        "incremental": made.incremental, "inputs": dict(made.inputs), "previous_inputs": made.previous_inputs,
        "source": made.source, "job": made.job, "rows": result.rows, "quarantined": result.quarantined,
        "git_commit": made.git_commit, "user": made.user, "host": made.host, "committed_at": committed_at,
    }
    return [lineage_row(e, result) for e in result.edges], record


def _restore(storage: Storage, lost: Sequence[Lost[TransformProvenance]]) -> None:
    """Index transforms again from their commits: the provenance holds the SQL, dialect and pinned
    inputs, so the lineage edges are derived again exactly as the transform derived them."""
    for x in lost:
        p = x.made
        edges = tuple(column_lineage(p.sql, dialect=p.dialect, schema=input_schemas(storage, p.inputs),
                                     target=x.table, names=LAKE_NAMES))
        result = TransformResult(x.table, x.entry.version, p.inputs, edges, rows=x.entry.rows_added or 0,
                                 transform_id=p.transform_id, previous_inputs=p.previous_inputs)
        index(storage, result, p, x.entry.timestamp)


TRANSFORMS = Healer("transforms", "transform_id", TransformProvenance, lambda table, made: made.transform_id,
                    _restore)
"""Puts back the ``_lakekit/transforms`` and ``_lakekit/lineage`` rows of a transform killed between
its commit and its rows."""


def lineage_row(edge: ColumnEdge, result: TransformResult) -> dict[str, object]:
    """One ``_lakekit/lineage`` row: an edge between two pinned table versions."""
    return {**edge.asdict(), "transform_id": result.transform_id, "target_version": result.version,
            "source_version": result.inputs.get(edge.source_table)}


def _schema(target: str, base: DeltaTable | None, incoming: pa.Schema, mode: WriteMode) -> pa.Schema:
    keep = base is not None and mode != "overwrite"
    current = pa.schema(base.schema().to_arrow()) if keep and base is not None else pa.schema([])
    return reconcile(current, incoming, table=target, uri=f"transform {target}", fixed=keep)
