"""The Lake facade: one root, every concept wired to it. No logic of its own."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, overload

import pyarrow as pa
import pyarrow.compute as pc

from lakekit import features as _features
from lakekit import gdpr, impact, runs
from lakekit import transform as _transform
from lakekit.core.model import Model, OnInvalid
from lakekit.core.progress import Steps
from lakekit.core.results import (
    Explained,
    LoadResult,
    RecordedSchema,
    RerunStep,
    RunStatus,
    TableSummary,
    TransformResult,
    ValidationReport,
    WriteMode,
)
from lakekit.errors import NoLake, UsageError
from lakekit.index import history, recorded, state, views
from lakekit.index.history import HistoryEntry
from lakekit.maintenance import repair as _repair
from lakekit.maintenance import vacuum as _vacuum
from lakekit.maintenance.vacuum import VacuumReport
from lakekit.runs import commands as runexec
from lakekit.runs import replay, search, slices
from lakekit.runs.commands import CommandRun
from lakekit.runs.record import Run
from lakekit.runs.recorded import RunInfo
from lakekit.runs.replay import RunComparison, StaleRun
from lakekit.sources.formats import Format
from lakekit.storage.delta import Storage
from lakekit.storage.roots import normalise_root
from lakekit.transform import project as _project
from lakekit.transform import query as _query
from lakekit.transform.engines import Engine, EngineName
from lakekit.transform.engines import engine as _engine
from lakekit.transform.project import ProjectRun
from lakekit.write import catalog, governance, migrate, quarantine, validate
from lakekit.write import ingest as _ingest
from lakekit.write.publish import Progress


class Lake:
    """A lake of Delta tables under one root (local path, ``file://``, ``s3://``, ``memory://``).

    Opening a lake written by an older lakekit brings lakekit's own records up to date
    (:mod:`lakekit.index.formats`); one written by a newer lakekit is refused.

    >>> lake = Lake("memory://doc")
    >>> lake.tables()
    []
    """

    def __init__(self, root: str | Path, storage_options: Mapping[str, str] | None = None, *,
                 schemas: catalog.Source = None, create: bool = True,
                 feature_views: Sequence[_features.FeatureView] = (),
                 dialect: str = _query.DEFAULT_DIALECT, engine: EngineName = "duckdb", spark: object = None) -> None:
        """Open the lake at ``root``, made when missing unless ``create`` is False (then
        :class:`~lakekit.errors.NoLake`). ``schemas`` is the catalog of models governing its tables:
        a folder (a path), a package or module (a dotted name), or None (the lake's own records);
        ``feature_views`` are declared views (also read from the lake's registry); ``dialect`` is the
        SQL dialect of :meth:`sql`, :meth:`transform` and :meth:`run_transforms` when they are given
        none. ``engine`` runs SQL when a call names none: ``"duckdb"``, or ``"spark"`` on the session
        ``spark`` (a ``SparkSession``, a master URL such as ``local[2]`` or ``spark://host:7077``, or
        a Spark Connect URL ``sc://host:15002``; default ``local[2]``)."""
        self._storage = Storage(normalise_root(root), dict(storage_options or {}))
        if not self._storage.present():
            if not create:
                raise NoLake(str(root))
            self._storage.make()
        migrate.ensure(self._storage)
        self.root = str(root)
        self.dialect = dialect
        self.engine: EngineName = engine
        self.spark = spark
        self.catalog = catalog.load(schemas)
        self.lineage = impact.LakeLineage(self._storage)
        self.gdpr = gdpr.Gdpr(self._storage, self.catalog)
        self.features = _features.FeatureStore(self._storage, feature_views)
        """Feature views, point-in-time training sets (``historical``) and current values (``latest``)."""

    def __repr__(self) -> str:
        return f"Lake({self.root!r})"

    @property
    def storage(self) -> Storage:
        """Deprecated: the storage layer is lakekit's own; use the Lake's methods."""
        warnings.warn("Lake.storage is internal and will be removed; use the Lake's methods instead",
                      DeprecationWarning, stacklevel=2)
        return self._storage

    def tables(self) -> list[str]:
        """Every data table, as ``namespace.name`` (lakekit's own ``_lakekit`` tables excluded)."""
        return self._storage.tables()

    def state(self) -> str:
        """A fingerprint of what the lake holds now: it changes with every commit to any table and
        every record lakekit keeps (runs, lineage, audit), and costs a listing of each table's log."""
        return state.fingerprint(self._storage)

    @contextmanager
    def reading(self, table: str) -> Iterator[None]:
        """Within the block, this thread reads ``table`` as one snapshot (opened once, its history
        read once): ``summary``, ``history``, ``schema`` and ``quarantine`` of it agree on its
        version, however many commits land meanwhile. A write to ``table`` inside the block is
        refused (:class:`UsageError`): it would start from the snapshot."""
        with self._storage.pinned(table):
            yield

    def history(self, table: str) -> list[HistoryEntry]:
        """Versions of ``table``, newest first, with provenance."""
        return history.history(self._storage, table)

    def summary(self, table: str) -> TableSummary:
        """The latest version of ``table``, its row count and its columns with their types, at a glance."""
        version, rows, schema = self._storage.summary(table)
        return TableSummary(table, version, rows, {f.name: str(f.type) for f in schema})

    def read(
        self,
        table: str,
        version: int | None = None,
        *,
        as_of: datetime | str | None = None,
        columns: Sequence[str] | None = None,
        filter: str | pc.Expression | None = None,
    ) -> pa.Table:
        """Rows of ``table`` at a version (or the version current at ``as_of``), latest by default;
        a view of lakekit's records (``_lakekit.runs``: one row per run) as it is now."""
        if table in views.VIEWS:
            return views.read(self._storage, table, version, as_of=as_of, columns=columns, filter=filter)
        pinned = version if as_of is None else self.resolve_version(table, version, as_of=as_of)
        return self._storage.read(table, pinned, columns=columns, filter=filter)

    def resolve_version(self, table: str, version: int | None = None, *, as_of: datetime | str | None = None) -> int:
        """The version number meant by ``version`` or ``as_of`` (the latest when both are None)."""
        return self._storage.resolve(table, version, as_of)

    @overload
    def ingest(
        self,
        table: str,
        source: str | Sequence[str],
        *,
        format: Format | None = None,
        mode: Literal["append", "overwrite"] = "append",
        partition_by: Sequence[str] | None = None,
        schema: Model | None = None,
        metadata: Mapping[str, Any] | None = None,
        job: str | None = None,
        load_id_column: bool = True,
        on_invalid: OnInvalid | None = None,
        progress: Progress | None = None,
        verify: bool = False,
    ) -> LoadResult: ...

    @overload
    def ingest(
        self,
        table: str,
        source: str | Sequence[str],
        *,
        format: Format | None = None,
        mode: Literal["merge"],
        keys: Sequence[str],
        partition_by: Sequence[str] | None = None,
        schema: Model | None = None,
        metadata: Mapping[str, Any] | None = None,
        job: str | None = None,
        load_id_column: bool = True,
        on_invalid: OnInvalid | None = None,
        progress: Progress | None = None,
        verify: bool = False,
    ) -> LoadResult: ...

    def ingest(
        self,
        table: str,
        source: str | Sequence[str],
        *,
        format: Format | None = None,
        mode: WriteMode = "append",
        keys: Sequence[str] | None = None,
        partition_by: Sequence[str] | None = None,
        schema: Model | None = None,
        metadata: Mapping[str, Any] | None = None,
        job: str | None = None,
        load_id_column: bool = True,
        on_invalid: OnInvalid | None = None,
        progress: Progress | None = None,
        verify: bool = False,
    ) -> LoadResult:
        """Load source files into ``table`` as one new version; files loaded before are skipped.

        The rows are validated by ``schema`` (default: the catalog's model for ``table``, else the
        schema the lake recorded for it) before the version commits; ``on_invalid`` overrides the
        schema's policy (quarantine, fail or warn). A schema differing from the recorded one is
        refused (:meth:`set_schema` replaces it). ``keys`` (the columns rows are matched on)
        go with ``mode="merge"`` and only with it. A local file whose size and modification time
        are those it had when it was last hashed is not read again to tell whether it was loaded;
        ``verify=True`` hashes every file anew.
        """
        options = _ingest.IngestOptions(
            mode=mode, keys=tuple(keys or ()), partition_by=tuple(partition_by or ()),
            metadata=dict(metadata or {}), job=job, load_id_column=load_id_column,
            schema=schema, catalog=self.catalog, on_invalid=on_invalid,
        )
        return _ingest.ingest(self._storage, table, source, format=format, options=options, progress=progress,
                              verify=verify)

    def validate(self, table: str, version: int | None = None, *, schema: Model | None = None) -> ValidationReport:
        """Check a version (latest by default) against the table's current schema (or ``schema``); recorded."""
        model = schema or governance.governing(self._storage, table, self.catalog)
        if model is None:
            raise UsageError(f"no schema for '{table}': the lake recorded none and the catalog "
                             f"({self.catalog.source}) has none; pass schema=")
        return validate.revalidate(self._storage, table, self.resolve_version(table, version), model)

    def schema(self, table: str, version: int | None = None) -> RecordedSchema | None:
        """The schema the lake recorded for ``table`` at ``version`` (latest by default): name, hash,
        definition and PII tags; None when no schema ever governed it."""
        self._storage.open(table)
        return recorded.at(self._storage, table, version)

    def set_schema(self, table: str, schema: Model | None = None, *, replace: bool = False) -> RecordedSchema:
        """Record ``schema`` (default: the catalog's model for ``table``) as the table's schema, as a
        commit of its own whose rows are validated under it; replacing a recorded schema that
        differs needs ``replace=True``."""
        model = schema or self.catalog.find(table)
        if model is None:
            raise UsageError(f"no schema for '{table}' in the catalog ({self.catalog.source}); pass schema=")
        return governance.replace(self._storage, table, model, replace=replace)

    def quarantine(self, table: str) -> pa.Table:
        """Rows of ``table``'s committed writes that failed its schema, whole, with ``_errors``."""
        return quarantine.rows(self._storage, table, self.catalog)

    def loads(self, table: str) -> pa.Table:
        """Load id → files (with fingerprints), job, metadata and version, for ``table``."""
        self._storage.open(table)
        return _ingest.loads(self._storage, table)

    @overload
    def transform(
        self,
        target: str,
        sql: str,
        *,
        dialect: str | None = None,
        mode: WriteMode = "overwrite",
        versions: Mapping[str, int] | None = None,
        keys: Sequence[str] | None = None,
        schema: Model | None = None,
        on_invalid: OnInvalid | None = None,
        incremental: bool = False,
        full_refresh: bool = False,
        engine: EngineName | None = None,
        explain: Literal[False] = False,
    ) -> TransformResult: ...

    @overload
    def transform(
        self,
        target: str,
        sql: str,
        *,
        dialect: str | None = None,
        mode: WriteMode = "overwrite",
        versions: Mapping[str, int] | None = None,
        keys: Sequence[str] | None = None,
        schema: Model | None = None,
        on_invalid: OnInvalid | None = None,
        incremental: bool = False,
        full_refresh: bool = False,
        engine: EngineName | None = None,
        explain: Literal[True],
    ) -> Explained: ...

    def transform(
        self,
        target: str,
        sql: str,
        *,
        dialect: str | None = None,
        mode: WriteMode = "overwrite",
        versions: Mapping[str, int] | None = None,
        keys: Sequence[str] | None = None,
        schema: Model | None = None,
        on_invalid: OnInvalid | None = None,
        incremental: bool = False,
        full_refresh: bool = False,
        engine: EngineName | None = None,
        explain: bool = False,
    ) -> TransformResult | Explained:
        """Run ``sql`` over pinned input versions (latest, or ``versions``) into a new version of ``target``.

        The rows are validated by the target's schema before they commit, and the column
        lineage of the statement is recorded; the same SQL over the same versions runs once
        (unless it reads the clock or a random source, or ``full_refresh``). ``incremental``
        reads only the rows the inputs gained since the last run and merges the result on
        ``keys`` (falling back to a full refresh when that would not be exact). ``explain``
        runs nothing and returns the SQL as DuckDB would run it, with the pinned inputs. ``engine``
        runs the SQL (default: the lake's, see :class:`Lake`).
        """
        options = _transform.TransformOptions(dialect=dialect or self.dialect, mode=mode, keys=tuple(keys or ()),
                                              versions=versions, schema=schema, catalog=self.catalog,
                                              on_invalid=on_invalid, incremental=incremental,
                                              full_refresh=full_refresh, engine=self._engine(engine))
        if explain:
            return _transform.explain(self._storage, target, sql, options)
        return _transform.transform(self._storage, target, sql, options)

    def rerun(self, downstream_of: str, *, dry_run: bool = False, include_runs: bool = False,
              progress: Steps | None = None) -> list[RerunStep]:
        """Recompute every transform downstream of a table on its current version, in dependency order;
        ``include_runs`` also re-executes the stale runs' recorded commands and what depends on their outputs.
        ``progress`` counts the transforms, then the runs."""
        return impact.rerun(self._storage, downstream_of, dry_run=dry_run, catalog=self.catalog,
                            include_runs=include_runs, progress=progress)

    @overload
    def sql(self, query: str, *, dialect: str | None = None, engine: EngineName | None = None,
            explain: Literal[False] = False) -> pa.Table: ...

    @overload
    def sql(self, query: str, *, dialect: str | None = None, engine: EngineName | None = None,
            explain: Literal[True]) -> Explained: ...

    def sql(self, query: str, *, dialect: str | None = None, engine: EngineName | None = None,
            explain: bool = False) -> pa.Table | Explained:
        """Run one read-only query over lake tables (``VERSION AS OF`` and other time travel allowed)
        on ``engine`` (default: the lake's); ``explain`` runs nothing and returns the SQL as DuckDB
        would run it, with the pinned inputs."""
        if explain:
            return _query.explain(self._storage, query, dialect=dialect or self.dialect)
        return _query.query(self._storage, query, dialect=dialect or self.dialect, engine=self._engine(engine))

    def run_transforms(self, directory: str | Path, *, select: str | None = None, dialect: str | None = None,
                       full_refresh: bool = False, engine: EngineName | None = None,
                       progress: Steps | None = None) -> ProjectRun:
        """Run every ``*.sql`` file under ``directory`` (or the dbt-style ``select``ion) in dependency
        order, on ``engine`` (default: the lake's); ``progress`` is told each file's table before it
        runs (n of m)."""
        return _project.run_transforms(self._storage, directory, select=select, dialect=dialect or self.dialect,
                                       catalog=self.catalog, full_refresh=full_refresh, engine=self._engine(engine),
                                       progress=progress)

    def _engine(self, name: EngineName | None) -> Engine:
        chosen = name or self.engine
        return _engine(chosen, self.spark if chosen == "spark" else None)

    def start_run(self, name: str, *, params: Mapping[str, Any] | None = None,
                  tags: Mapping[str, Any] | None = None) -> Run:
        """Start a model run (a context manager) that records the exact versions it reads."""
        return runs.start_run(self._storage, name, params, tags, catalog=self.catalog, features=self.features)

    def runs(self, name: str | None = None, *, status: RunStatus | None = None, where: str | None = None,
             sort: str | Sequence[str] = (), limit: int | None = None) -> pa.Table:
        """One row per recorded run (of ``name``, in ``status``), newest first, with a column per
        param, metric and tag (``params.lr``, ``metrics.auc``); ``where`` is a SQL condition over
        those columns (``"metrics.auc > 0.9"``), ``sort`` column names (``"-metrics.auc"``: descending)."""
        return search.search(self._storage, name=name, status=status, where=where,
                             sort=(sort,) if isinstance(sort, str) else tuple(sort), limit=limit)

    def run(self, run_id: str) -> RunInfo:
        """One run (its id, or a prefix only it begins with) with its inputs ``{table: version}``,
        params, metrics, artifacts and outputs."""
        return runs.run(self._storage, run_id)

    def reproduce(self, run_id: str, *, progress: Steps | None = None) -> replay.Reproduction:
        """``{table: rows}`` as the run read them, verified by fingerprint; after an erasure of a
        subject it read, minus that subject (``.erased`` says how many rows, by which request).
        ``progress`` counts the reads."""
        return replay.reproduce(self._storage, run_id, progress)

    def compare_runs(self, a: str, b: str, *, keys: Mapping[str, Sequence[str]] | None = None) -> RunComparison:
        """Input versions, row changes, params and metrics of two runs side by side."""
        return replay.compare_runs(self._storage, a, b, keys=keys, catalog=self.catalog)

    def stale_runs(self) -> list[StaleRun]:
        """Runs whose inputs have newer versions, with what made them and the path to the change."""
        return replay.stale_runs(self._storage)

    def run_command(self, name: str, command: Sequence[str], *,
                    params: Mapping[str, Any] | None = None) -> CommandRun:
        """Run a command as the run ``name`` (its ``start_run`` attaches to it), command recorded."""
        return runexec.execute(self._storage, name, command, params=params, catalog=self.catalog)

    def rerun_runs(self, run_ids: Sequence[str] | None = None, *, progress: Steps | None = None) -> list[CommandRun]:
        """Re-execute the recorded commands of stale runs (or ``run_ids``) and their readers, upstream
        first; ``progress`` counts the runs."""
        return runexec.rerun(self._storage, run_ids, catalog=self.catalog, progress=progress)

    def error_slices(self, run_id: str, *, by: Sequence[str], label: str, prediction: str, min_rows: int = 1,
                     rank: slices.Rank = "error_rate") -> pa.Table:
        """Slices of ``by`` ranked by the run's error rate (or error count), joined on the exact inputs."""
        return slices.error_slices(self._storage, run_id, by, label=label, prediction=prediction, min_rows=min_rows,
                                   rank=rank)

    def repair(self) -> _repair.RepairReport:
        """Write again the index rows a crash lost (loads, transforms, versions runs wrote), from the
        tables' commits; list versions whose validation verdict was lost."""
        return _repair.repair(self._storage)

    def vacuum(self, table: str | None = None, *, retention_hours: int = 168, dry_run: bool = False,
               progress: Steps | None = None) -> VacuumReport:
        """Remove old unreferenced files, never those of a version some run read or wrote; ``progress``
        counts the tables."""
        return _vacuum.vacuum(self._storage, table, retention_hours=retention_hours, dry_run=dry_run,
                              progress=progress)
