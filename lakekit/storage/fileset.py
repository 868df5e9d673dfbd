"""What a query engine needs to read one pinned table version itself: its Parquet files, each
with the partition values its add action gives, and the version's schema.

A Delta version is the set of files its log adds and has not removed; partition columns are
not in the files but in each add action (the folder names only echo them). Two Delta features
change what a file's rows mean, and a plain file list cannot honour them: *deletion vectors*
(rows of a file marked deleted in a side file) and *column mapping* (physical column names in
the files differ from the schema's). A version that uses either is refused with a clear error
rather than read wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
from deltalake import DeltaTable

from lakekit.errors import UnsupportedTable
from lakekit.storage.delta import Storage, add_actions

FILE_COLUMN = "__lakekit_file"
"""The column naming each row's file in a relation of a :attr:`FileSet.located` version."""


@dataclass(frozen=True)
class DataFile:
    """One Parquet file of a version: its path relative to the table, and its partition values."""

    path: str
    partition: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class FileSet:
    """A pinned version as files: ``files`` hold the rows, ``schema`` is the version's Arrow schema
    (partition columns included, at their place in the table's schema)."""

    table: str
    version: int
    uri: str
    schema: pa.Schema
    partition_columns: tuple[str, ...]
    files: tuple[DataFile, ...]
    configuration: Mapping[str, str] = field(default_factory=dict, compare=False)
    """The version's table properties (``delta.dataSkippingStatsColumns``…)."""
    located: bool = False
    """Each row also names its file (:meth:`location`) in column :data:`FILE_COLUMN`."""

    def location(self, file: DataFile) -> str:
        """Where ``file`` is: a local path or a store URL."""
        return f"{self.uri}/{file.path}"

    def only(self, paths: Collection[str]) -> FileSet:
        """The same version restricted to the files at ``paths`` (relative to the table)."""
        return dataclasses.replace(self, files=tuple(f for f in self.files if f.path in paths))

    def with_locations(self) -> FileSet:
        """The same files, each row naming its file in column :data:`FILE_COLUMN` (:attr:`located`)."""
        return dataclasses.replace(self, located=True)


def fileset(storage: Storage, table: str, version: int | None = None, *, snapshot: DeltaTable | None = None) -> FileSet:
    """The files and schema of ``table`` at ``version`` (or of an opened ``snapshot``)."""
    dt = snapshot if snapshot is not None else storage.open(table, version)
    _check_readable(dt, table)
    meta = dt.metadata()
    partitions = tuple(meta.partition_columns)
    actions = add_actions(dt)
    paths = [unquote(p) for p in actions.column("path").to_pylist()]
    if partitions:
        values: list[dict[str, Any]] = actions.column("partition").to_pylist()
        files = tuple(DataFile(p, tuple((c, v[c]) for c in partitions)) for p, v in zip(paths, values, strict=True))
    else:
        files = tuple(DataFile(p) for p in paths)
    return FileSet(table, dt.version(), storage.uri(table), pa.schema(dt.schema().to_arrow()), partitions, files,
                   meta.configuration)


def _check_readable(dt: DeltaTable, table: str) -> None:
    features = set(dt.protocol().reader_features or ())
    mapping = _mapping_mode(dt.metadata().configuration)
    if "columnMapping" in features and mapping not in (None, "none"):
        raise UnsupportedTable(f"'{table}' uses column mapping ({mapping}): its files name columns otherwise "
                               "than its schema, which lakekit's engine does not read")
    if "deletionVectors" in features and dt.deletion_vectors().read_all().num_rows:
        raise UnsupportedTable(f"'{table}' has rows deleted through deletion vectors, which lakekit's engine "
                               "does not read; rewrite the table (e.g. OPTIMIZE with purge) first")


def _mapping_mode(configuration: Mapping[str, str]) -> str | None:
    return configuration.get("delta.columnMapping.mode")
