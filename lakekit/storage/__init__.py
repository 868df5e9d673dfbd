"""The lake's storage: a thin typed layer over delta-rs, and plain Parquet files under the root."""

from lakekit.storage.delta import (
    KEEP_HANDLE_SECONDS,
    META_NAMESPACE,
    NO_DATA_CHANGE,
    SUBJECT_KEY_ENV,
    Commit,
    Conflict,
    Storage,
)
from lakekit.storage.roots import normalise_root, split_name, table_folder
from lakekit.storage.scan import canonical_schema, relation, scanner, select_rows

__all__ = [
    "KEEP_HANDLE_SECONDS",
    "META_NAMESPACE",
    "NO_DATA_CHANGE",
    "SUBJECT_KEY_ENV",
    "Commit",
    "Conflict",
    "Storage",
    "canonical_schema",
    "normalise_root",
    "relation",
    "scanner",
    "select_rows",
    "split_name",
    "table_folder",
]
