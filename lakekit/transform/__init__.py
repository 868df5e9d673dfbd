"""SQL transforms: statements, read-only queries over pinned versions, incremental runs, projects."""

from lakekit.transform.pipeline import (
    LAKE_NAMES,
    TRANSFORMS,
    TransformOptions,
    copied_personal,
    explain,
    index,
    input_schemas,
    lineage_row,
    transform,
)

__all__ = [
    "LAKE_NAMES",
    "TRANSFORMS",
    "TransformOptions",
    "copied_personal",
    "explain",
    "index",
    "input_schemas",
    "lineage_row",
    "transform",
]
