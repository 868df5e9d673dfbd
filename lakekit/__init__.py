"""lakekit: time-travelable Delta tables for ML teams."""

from lakekit.core.results import ColumnEdge, HistoryEntry, LoadResult, SourceFile
from lakekit.errors import LakekitError
from lakekit.features import FeatureView
from lakekit.lake import Lake
from lakekit.lineage import column_lineage

__version__ = "0.1.0"

__all__ = [
    "ColumnEdge",
    "FeatureView",
    "HistoryEntry",
    "Lake",
    "LakekitError",
    "LoadResult",
    "SourceFile",
    "__version__",
    "column_lineage",
]
