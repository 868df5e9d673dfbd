"""What a query engine needs to read one pinned table version itself: its Parquet files, each
with the partition values its add action gives, and the version's schema.

A Delta version is the set of files its log adds and has not removed; partition columns are
not in the files but in each add action (the folder names only echo them). Two Delta features
change what a file's rows mean, and a plain file list cannot honour them: *deletion vectors*
(rows of a file marked deleted in a side file) and *column mapping* (physical column names in
the files differ from the schema's). A version that uses either is refused with a clear error
rather than read wrong.

A version's files never change once its commit is written, so :func:`remembered` keeps each
version's file set in the process, known by its commit file (its name, size and time): a query
over a table it read before costs a listing of the table's log, not a replay of it. A table
deleted and made again has other commit files, so it is read anew.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
from deltalake import DeltaTable

from lakekit.errors import UnsupportedTable
from lakekit.storage import filesystems, logfile
from lakekit.storage.delta import Storage, add_actions

FILE_COLUMN = "__lakekit_file"
"""The column naming each row's file in a relation of a :attr:`FileSet.located` version."""

Stamp = tuple[int, int]
"""A commit file's size and modification time (ns): which commit a version number stands for."""

_LOCK = threading.Lock()
_KEPT: dict[tuple[str, int], tuple[Stamp, FileSet]] = {}
_KEPT_MAX = 512


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
    stamp: Stamp | None = None
    """The version's commit file (:data:`Stamp`) when the set is all of the version's files: what
    an engine may remember the set's reading by; None otherwise."""

    @property
    def identity(self) -> tuple[str, int, Stamp] | None:
        """What tells this set of files from any other (None: nothing that lasts)."""
        return None if self.stamp is None else (self.uri, self.version, self.stamp)

    def location(self, file: DataFile) -> str:
        """Where ``file`` is: a local path or a store URL."""
        return f"{self.uri}/{file.path}"

    def only(self, paths: Collection[str]) -> FileSet:
        """The same version restricted to the files at ``paths`` (relative to the table)."""
        return dataclasses.replace(self, files=tuple(f for f in self.files if f.path in paths), stamp=None)

    def with_locations(self) -> FileSet:
        """The same files, each row naming its file in column :data:`FILE_COLUMN` (:attr:`located`)."""
        return dataclasses.replace(self, located=True, stamp=None)


def remembered(storage: Storage, table: str, version: int | None = None) -> FileSet:
    """:func:`fileset` of ``table`` at ``version`` (latest when None), kept in the process for the
    version's commit file (see the module's docstring). A table this thread reads as one snapshot
    (:meth:`~lakekit.storage.delta.Storage.pinned`) is read from it; one on a filesystem pyarrow does
    not list itself, and a version whose commit file was cleaned up, are read anew."""
    found = None if storage.is_pinned(table) else _commit(storage, table, version)
    if found is None:
        return fileset(storage, table, version)
    version, stamp = found
    key = (storage.uri(table), version)
    with _LOCK:
        kept = _KEPT.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    files = dataclasses.replace(fileset(storage, table, version), stamp=stamp)
    with _LOCK:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = (stamp, files)
    return files


def _commit(storage: Storage, table: str, version: int | None) -> tuple[int, Stamp] | None:
    """The version (latest: the newest commit file of a local table's log) and its commit file's
    :data:`Stamp`; None when the filesystem is not one pyarrow reads itself (or, for the latest, not
    local: listing a long log in an object store costs more than delta-rs's own look-up), or the
    file is not there."""
    if version is None:
        version = _newest(storage, table)
        if version is None:
            return None
    info = storage.commit_file(table, version)
    return None if info is None else (version, (info.size, info.mtime_ns))


def _newest(storage: Storage, table: str) -> int | None:
    """The newest version a local table's log has a commit file of (None: not local, or no commit file)."""
    native = filesystems.native(storage.uri(table), storage.options)
    if native is None or not isinstance(native[0], pafs.LocalFileSystem):
        return None
    try:
        names = [p.name for p in Path(native[1], "_delta_log").iterdir()]
    except (FileNotFoundError, NotADirectoryError):
        return None
    commits = [n for n in names if logfile.COMMIT.fullmatch(n)]
    return int(max(commits)[:20]) if commits else None


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
