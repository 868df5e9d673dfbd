"""The lake's storage: a thin typed layer over delta-rs, and plain Parquet files under the root."""

from lakekit.storage.delta import (
    KEEP_HANDLE_SECONDS,
    META_NAMESPACE,
    SUBJECT_KEY_ENV,
    Commit,
    Conflict,
    Storage,
    normalise_root,
    select_rows,
    split_name,
    table_folder,
)

__all__ = [
    "KEEP_HANDLE_SECONDS",
    "META_NAMESPACE",
    "SUBJECT_KEY_ENV",
    "Commit",
    "Conflict",
    "Storage",
    "normalise_root",
    "select_rows",
    "split_name",
    "table_folder",
]
