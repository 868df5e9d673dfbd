"""lakekit: time-travelable Delta tables for ML teams.

Everything a caller needs is here: :class:`Lake`, :func:`column_lineage`, every result type a
``Lake`` method returns (each with ``asdict()``), every error lakekit raises, and the named
states (``Literal`` types) that results carry.
"""

from lakekit.core.results import (
    CheckFailure,
    ColumnEdge,
    DirectSubtype,
    EdgeKind,
    EdgeSubtype,
    FileRun,
    HistoryEntry,
    IndirectSubtype,
    LineageGraph,
    LoadResult,
    ProjectRun,
    RerunStep,
    Result,
    RowDiff,
    SourceFile,
    StoredEdge,
    TransformResult,
    ValidationReport,
    WriteMode,
)
from lakekit.errors import (
    ColumnNotFound,
    Conflict,
    Cycle,
    DuplicateSchema,
    FailedChecks,
    IncompatibleFormat,
    InternalError,
    LakekitError,
    NotFound,
    NotReproducible,
    ProjectFailed,
    ProjectFileError,
    RunNotFound,
    SchemaConflict,
    SchemaDrift,
    SourceError,
    SqlError,
    TableNotFound,
    TooManyConflicts,
    Transient,
    UsageError,
    ValidationFailed,
    VersionNotFound,
)
from lakekit.features import FeatureView, ViewInfo
from lakekit.gdpr import ErasureReport, TableErasure, Verification
from lakekit.gdpr.subjects import SubjectReport, TableHit
from lakekit.lake import Lake
from lakekit.lineage import column_lineage
from lakekit.maintenance.repair import RepairReport
from lakekit.maintenance.vacuum import TableVacuum, VacuumReport
from lakekit.runs.commands import CommandRun
from lakekit.runs.record import Artifact, Read, Run, RunDependency, RunInfo, RunStatus
from lakekit.runs.replay import InputChange, RunComparison, StaleRun, Step

__version__ = "0.1.0"

__all__ = [
    "Artifact",
    "CheckFailure",
    "ColumnEdge",
    "ColumnNotFound",
    "CommandRun",
    "Conflict",
    "Cycle",
    "DirectSubtype",
    "DuplicateSchema",
    "EdgeKind",
    "EdgeSubtype",
    "ErasureReport",
    "FailedChecks",
    "FeatureView",
    "FileRun",
    "HistoryEntry",
    "IncompatibleFormat",
    "IndirectSubtype",
    "InputChange",
    "InternalError",
    "Lake",
    "LakekitError",
    "LineageGraph",
    "LoadResult",
    "NotFound",
    "NotReproducible",
    "ProjectFailed",
    "ProjectFileError",
    "ProjectRun",
    "Read",
    "RepairReport",
    "RerunStep",
    "Result",
    "RowDiff",
    "Run",
    "RunComparison",
    "RunDependency",
    "RunInfo",
    "RunNotFound",
    "RunStatus",
    "SchemaConflict",
    "SchemaDrift",
    "SourceError",
    "SourceFile",
    "SqlError",
    "StaleRun",
    "Step",
    "StoredEdge",
    "SubjectReport",
    "TableErasure",
    "TableHit",
    "TableNotFound",
    "TableVacuum",
    "TooManyConflicts",
    "TransformResult",
    "Transient",
    "UsageError",
    "VacuumReport",
    "ValidationFailed",
    "ValidationReport",
    "Verification",
    "VersionNotFound",
    "ViewInfo",
    "WriteMode",
    "__version__",
    "column_lineage",
]
