"""lakekit: time-travelable Delta tables for ML teams."""

from lakekit.core.results import ColumnEdge, HistoryEntry, LoadResult, RecordedSchema, SourceFile
from lakekit.errors import LakekitError
from lakekit.lake import Lake
from lakekit.lineage import column_lineage
from lakekit.project import Project

__version__ = "0.1.0"

__all__ = [
    "ColumnEdge",
    "HistoryEntry",
    "Lake",
    "LakekitError",
    "LoadResult",
    "Project",
    "RecordedSchema",
    "SourceFile",
    "__version__",
    "column_lineage",
]
