"""Frozen result types shared by every layer. No I/O here.

Each result has two faces: ``asdict()`` for machines (the CLI's ``--json``) and plain
attributes for people and code.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from lakekit.core import definition
from lakekit.core.model import Model

EdgeKind = Literal["direct", "indirect"]
DirectSubtype = Literal["identity", "transformation", "aggregation"]
IndirectSubtype = Literal["join", "filter", "group_by", "sort", "window", "conditional"]
EdgeSubtype = DirectSubtype | IndirectSubtype
WriteMode = Literal["append", "overwrite", "merge"]
Operation = Literal["ingest", "transform", "run", "predictions", "erase", "schema"]
"""The kind of write a lakekit commit records: a load, a transform, a model run's write or
predictions, a GDPR erasure (:mod:`lakekit.index.provenance`)."""
Direction = Literal["upstream", "downstream"]
"""Which way a lineage walk goes: into a column (what feeds it) or out of it (what it feeds)."""
Verdict = Literal["valid", "warned", "invalid", "unvalidated", "unrecorded"]
"""A table version under its schema: every row passed; rows failed checks that only warn; rows
failed checks that reject; written without a schema; written with one but its verdict was lost
(a crash between the commit and the verdict's row: ``lake.validate`` redoes it)."""
RunStatus = Literal["running", "finished", "failed"]
"""A run's life: ``running`` → ``finished``, or ``failed`` when its block raised."""
TransformStatus = Literal["finished", "failed"]
"""How a transform run ended: ``finished`` (committed) or ``failed`` (nothing committed)."""
AuditAction = Literal["find", "export", "erase", "verify"]
"""The GDPR request an audit row belongs to."""
AuditStatus = Literal["started", "finished"]
"""A step of a GDPR request: an erasure is ``started`` before it changes anything."""


def plain(value: Any) -> Any:
    """JSON-ready form of a value: results as their ``asdict()``, tuples as lists, datetimes and
    dates in ISO 8601 (a zoned datetime in UTC: ``2026-05-03T10:02:00+00:00``; a naive one, a
    table's ``timestamp_ntz`` value, as it is), NaN and infinities as the strings ``"NaN"``,
    ``"Infinity"``, ``"-Infinity"`` (JSON has no such number; protobuf's JSON does the same)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, Result):
        return value.asdict()
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


class Result:
    """Mixin of every result type: ``asdict()`` gives a JSON-ready dict of the dataclass."""

    def asdict(self) -> dict[str, Any]:
        assert dataclasses.is_dataclass(self)
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True, order=True)
class ColumnEdge(Result):
    """One column-lineage edge: ``source_table.source_column`` → ``target_table.target_column``.

    ``kind``/``subtype`` follow the OpenLineage column-lineage facet: direct edges carry
    values (identity, transformation, aggregation); indirect edges decide which rows or
    values appear (join, filter, group_by, sort, window, conditional). Whole-output indirect
    edges use ``target_column="*"``. ``unresolved`` marks an edge lineage could not settle
    without a schema: a wildcard (``t.*`` read through ``SELECT *``) or a column any of several
    tables could hold.
    """

    source_table: str
    source_column: str
    target_table: str
    target_column: str
    kind: EdgeKind
    subtype: EdgeSubtype
    unresolved: bool = False


@dataclass(frozen=True)
class SourceFile(Result):
    """A source file as it was seen when loaded: where, how big, what content.

    ``checksum`` is ``"sha256:<hex>"`` of the bytes (or ``"etag:<value>"`` where the store
    gives a content ETag); it is the file's identity for exactly-once loading.
    """

    uri: str
    size: int
    checksum: str


@dataclass(frozen=True)
class LoadResult(Result):
    """What one ``Lake.ingest`` call did.

    ``version`` is the table version the load committed (the current version when
    ``skipped``); ``files`` are the files loaded by this call, ``skipped_files`` those
    found already loaded.
    """

    table: str
    version: int | None
    rows: int
    quarantined: int
    skipped: bool
    files: tuple[SourceFile, ...]
    load_id: str | None = None
    skipped_files: tuple[SourceFile, ...] = ()
    validation: ValidationReport | None = None


@dataclass(frozen=True)
class CheckFailure(Result):
    """One schema check that rows failed: which column, which check, how many rows, the first ones.

    ``column`` is None for a check on the whole row (a dataframe-level check);
    ``first_rows`` are 0-based row numbers across the whole load (or table version), at most
    a handful. No data value is ever kept here.
    """

    column: str | None
    check: str
    count: int
    first_rows: tuple[int, ...]


@dataclass(frozen=True)
class ValidationReport(Result):
    """The verdict of one schema on one load or table version.

    ``version`` is the table version the rows became (None before the commit, or when
    nothing committed); ``schema_hash`` identifies the schema's definition, so a later
    re-validation can tell whether the rules changed.
    """

    ok: bool
    version: int | None
    table: str
    schema_name: str
    schema_hash: str
    rows_checked: int
    failures: tuple[CheckFailure, ...]


@dataclass(frozen=True)
class Explained(Result):
    """A query or transform as DuckDB will run it (``explain=True``): the SQL as given (``sql``, in
    ``dialect``), the SQL DuckDB runs, and the pinned input versions it reads; each DuckDB relation
    (``"raw.users@v3"``) is a table at one version (``relations``). ``str()`` prints it all."""

    sql: str
    dialect: str
    duckdb_sql: str
    inputs: dict[str, tuple[int, ...]]
    target: str | None = None
    relations: dict[str, str] = dataclasses.field(default_factory=dict)
    change: str | None = None
    """An UPDATE or DELETE delta-rs runs itself (DataFusion SQL), rewriting only the files holding
    the rows it picks; ``duckdb_sql`` then runs only if an audit of its rows declines it."""

    def __str__(self) -> str:
        pins = "".join(f"-- reads {table} at version {', '.join(map(str, versions))}\n"
                       for table, versions in self.inputs.items())
        writes = f"-- writes {self.target}\n" if self.target else ""
        change = (f"-- delta-rs runs it on the files holding the rows it picks:\n-- {self.change}\n"
                  "-- else (a row the schema's audit flags):\n") if self.change else ""
        return f"-- {self.dialect} SQL as DuckDB runs it\n{pins}{writes}{change}{self.duckdb_sql}"


@dataclass(frozen=True)
class TransformResult(Result):
    """What one transform did: the version it made from which input versions, and its lineage.

    ``skipped`` when the same SQL had already run over the same input versions (``version``
    is then the table's current one). An incremental transform that read only the rows its
    inputs gained since its last run names those versions in ``previous_inputs``; ``reason``
    says in words why it ran as it did (or was skipped).

    ``rows`` is what the statement did: the rows its query gave that were written (not quarantined), or,
    for an UPDATE or DELETE, the rows it updated or deleted, whichever way it ran. ``written``
    is what the version holds anew: the rows of the data files it added (an UPDATE or DELETE
    that rewrote only some files: their rows, changed or copied). An UPDATE or DELETE picking no
    row commits nothing: ``version`` stays the target's current one, ``rows`` and ``written`` 0.
    """

    table: str
    version: int
    inputs: dict[str, int]
    edges: tuple[ColumnEdge, ...]
    skipped: bool = False
    rows: int = 0
    written: int = 0
    quarantined: int = 0
    transform_id: str | None = None
    validation: ValidationReport | None = None
    previous_inputs: dict[str, int] | None = None
    reason: str = ""


@dataclass(frozen=True)
class RowDiff(Result):
    """Rows added, removed and changed between two versions (changed only when ``keys`` identify rows)."""

    added: int
    removed: int
    changed: int
    keys: tuple[str, ...]


@dataclass(frozen=True, order=True)
class StoredEdge(Result):
    """A recorded column edge between two table versions, made by one transform."""

    edge: ColumnEdge
    source_version: int | None
    target_version: int
    transform_id: str


@dataclass(frozen=True)
class LineageGraph(Result):
    """The recorded edges on every path into (upstream) or out of (downstream) ``root``;
    ``tables`` are the tables reached, ``runs`` the model runs that read an affected version,
    ``hops`` how far each of ``edges`` is from ``root`` (1: next to it; a run crossed is a hop)."""

    root: str
    direction: Direction
    edges: tuple[StoredEdge, ...]
    tables: tuple[str, ...]
    runs: tuple[str, ...] = ()
    hops: tuple[int, ...] = ()


@dataclass(frozen=True)
class FileRun(Result):
    """What running one file of a SQL project did; ``version`` is the target's current one when
    ``skipped``, None when the file failed (``error``) or was not run because a file it reads from failed."""

    file: str
    target: str
    version: int | None
    skipped: bool
    reason: str
    rows: int
    inputs: dict[str, int]
    previous_inputs: dict[str, int] | None = None
    error: str | None = None


@dataclass(frozen=True)
class ProjectRun(Result):
    """Every selected file of a SQL project, in the order they ran."""

    directory: str
    files: tuple[FileRun, ...]


@dataclass(frozen=True)
class RerunStep(Result):
    """One recomputed table: the version it had, the version the rerun made, why, and the row changes."""

    table: str
    previous_version: int
    version: int | None
    reason: str
    rows: RowDiff | None
    run_id: str | None = None


@dataclass(frozen=True)
class TableSummary(Result):
    """A table's latest version at a glance: its number, its rows, its columns (name → plain Arrow type)."""

    table: str
    version: int
    rows: int
    columns: dict[str, str]


@dataclass(frozen=True)
class RecordedSchema(Result):
    """The schema the lake recorded for a table at ``version``: its name, hash and definition.

    ``definition`` is :func:`lakekit.core.definition.describe`'s JSON (columns with dtype, flags,
    PII tags in ``metadata`` and checks); ``model()`` builds the pandera model again from it.
    """

    table: str
    version: int | None
    name: str
    hash: str
    definition: dict[str, Any]
    recorded_at: datetime

    @property
    def pii(self) -> dict[str, str]:
        """Column → the PII kind the schema tags it with."""
        return definition.tags(self.definition)

    def model(self) -> Model:
        """The pandera model again (a custom check, whose code is not recorded, refuses to run)."""
        return definition.rebuild(self.definition, self.name)
