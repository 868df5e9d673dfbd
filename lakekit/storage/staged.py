"""Writes whose commit is decided after the rows are written: stage the files, then commit them.

``write_deltalake`` takes the commit's app transactions before it reads a row, but an ingest
knows its files' fingerprints (hashed while they are parsed) only once every row is read. So the
rows are first written by delta-rs as a scratch table in a folder inside the target table
(``staged-<id>/``: its Parquet files, with the statistics delta-rs collects under the target's
statistics settings), and that scratch table's add actions are then committed to the target
with :meth:`DeltaTable.create_write_transaction`, which takes the app transactions. The files
never move; the scratch log is deleted after the commit.

Files another engine wrote into such a folder (Spark, :mod:`lakekit.transform.spark`) are
*adopted* as they are (:func:`adopt`): their add actions take the row count, minima, maxima and
null counts from the Parquet footers, and the engine's ``_SUCCESS`` marker and ``.crc`` checksums
are deleted first, so a version references exactly the data files.

A write killed before its commit leaves a ``staged-*`` folder no version references: its data
files go with the next ``vacuum`` (as any unreferenced file), :func:`sweep` removes the scratch
logs, and an engine's ``_temporary`` folders and markers, that ``vacuum`` does not look at. A
first write into a new table killed before its commit leaves a table folder with no Delta log:
:func:`sweep_unborn` removes its staged folders whole.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import DeltaTable, Schema, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from lakekit.errors import LakekitError
from lakekit.storage import logfile
from lakekit.storage.delta import Commit, Conflict, Storage, add_actions, table_folder
from lakekit.storage.roots import glob_escape

PREFIX = "staged-"
_STATS_SETTINGS = ("delta.dataSkippingStatsColumns", "delta.dataSkippingNumIndexedCols")
_INDEXED_COLUMNS = 32
"""Delta's default number of leading columns with statistics."""
_STRING_BOUND = 32
"""Longest string kept as a minimum or maximum (a longer one says little and bloats the log)."""
_LEFTOVERS = ("_delta_log", "_temporary", "_SUCCESS")
"""What a staged folder may hold besides data files: a scratch log, an engine's work folder, its marker."""


def new_folder() -> str:
    """A fresh name for a staged folder inside a table's folder."""
    return f"{PREFIX}{secrets.token_hex(8)}"


@dataclass(frozen=True)
class Staged:
    """Files written into ``folder`` of a table, not yet part of any version."""

    table: str
    folder: str
    actions: tuple[AddAction, ...]
    rows: int


class _Counter:
    """Counts the rows of a stream as they pass."""

    def __init__(self, data: pa.RecordBatchReader) -> None:
        self.data = data
        self.rows = 0

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.data.schema, self._batches())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        for batch in self.data:
            self.rows += batch.num_rows
            yield batch


def stage(storage: Storage, table: str, data: pa.RecordBatchReader, *, partition_by: Sequence[str],
          configuration: Mapping[str, str]) -> Staged:
    """Write ``data`` as Parquet files into a new ``staged-*`` folder of ``table`` (statistics as
    ``configuration`` says)."""
    folder = new_folder()
    counter = _Counter(data)
    settings = {k: v for k, v in configuration.items() if k in _STATS_SETTINGS}
    fs = storage.folder_fs(f"{table_folder(table)}/{folder}")
    try:
        write_deltalake(f"{storage.uri(table)}/{folder}", counter.reader(), mode="error",
                        partition_by=list(partition_by) or None, configuration=settings or None,
                        storage_options=dict(storage.options) or None)
    except BaseException as e:
        _remove(storage, table, folder)
        if isinstance(e, DeltaError):
            raise LakekitError(f"cannot write '{table}': {e}") from None
        raise
    with fs.open_input_stream(f"_delta_log/{0:020}.json") as f:
        adds = [action["add"] for action in logfile.actions(f.read()) if "add" in action]
    # the log spells a path URL-encoded, delta-rs takes it decoded (a partition value such as 'x/y')
    actions = tuple(AddAction(f"{folder}/{unquote(a['path'])}", a["size"], a["partitionValues"],
                              a["modificationTime"], True, a.get("stats") or "") for a in adds)
    fs.delete_dir("_delta_log")
    return Staged(table, folder, actions, counter.rows)


def adopt(storage: Storage, table: str, folder: str, configuration: Mapping[str, str]) -> Staged:
    """The Parquet files another engine wrote into ``folder`` of ``table``, as a staged write: its
    markers and checksums deleted, each file's add action with statistics from its footer (only of
    the columns ``configuration``'s statistics settings allow: never of personal data)."""
    fs = storage.folder_fs(f"{table_folder(table)}/{folder}")
    actions = []
    rows = 0
    for info in fs.get_file_info(pafs.FileSelector("", recursive=True)):
        if info.type != pafs.FileType.File:
            continue
        name = info.path.rsplit("/", 1)[-1]
        if name == "_SUCCESS" or name.endswith(".crc"):
            fs.delete_file(info.path)
            continue
        if not name.endswith(".parquet") or info.path.startswith("_"):
            continue
        with fs.open_input_file(info.path) as f:
            footer = pq.ParquetFile(f).metadata
        rows += footer.num_rows
        stats = _footer_stats(footer, _stats_columns(footer.schema.to_arrow_schema(), configuration))
        modified = int(info.mtime.timestamp() * 1000) if info.mtime is not None else int(time.time() * 1000)
        actions.append(AddAction(f"{folder}/{info.path}", info.size or 0, {}, modified, True, json.dumps(stats)))
    return Staged(table, folder, tuple(sorted(actions, key=lambda a: a.path)), rows)


def _stats_columns(schema: pa.Schema, configuration: Mapping[str, str]) -> list[str]:
    listed = configuration.get("delta.dataSkippingStatsColumns")
    if listed is not None:
        return [c for c in listed.split(",") if c in schema.names]
    return schema.names[:int(configuration.get("delta.dataSkippingNumIndexedCols", _INDEXED_COLUMNS))]


def _footer_stats(footer: pq.FileMetaData, columns: Sequence[str]) -> dict[str, object]:
    """Delta file statistics from a Parquet footer: row count, null counts, and minima and maxima
    where they are exact as JSON (integers, finite floats, dates, strings of at most 32 characters)."""
    leaf = {footer.schema.column(i).path: i for i in range(footer.num_columns)}
    nulls: dict[str, int] = {}
    lows: dict[str, object] = {}
    highs: dict[str, object] = {}
    for column in columns:
        index = leaf.get(column)
        if index is None:
            continue
        parts = [footer.row_group(g).column(index).statistics for g in range(footer.num_row_groups)]
        if any(p is None or not p.has_null_count for p in parts):
            continue
        nulls[column] = sum(p.null_count for p in parts if p is not None)
        bounds = [(p.min, p.max) for p in parts if p is not None and p.has_min_max]
        if bounds and len(bounds) == len(parts) and all(_exact(v) for b in bounds for v in b):
            lows[column] = _json(min(b[0] for b in bounds))
            highs[column] = _json(max(b[1] for b in bounds))
    return {"numRecords": footer.num_rows, "minValues": lows, "maxValues": highs, "nullCount": nulls}


def _exact(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, str):
        return len(value) <= _STRING_BOUND
    return isinstance(value, int | date) and not isinstance(value, datetime)


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def commit(storage: Storage, staged: Staged, *, base: DeltaTable | None, mode: Literal["append", "overwrite"],
           schema: pa.Schema, partition_by: Sequence[str], configuration: Mapping[str, str] | None,
           make_commit: Callable[[], Commit], replaces: Collection[str] = ()) -> int:
    """Commit the staged files as one version of the table on top of ``base`` (``None``: create it),
    exclusively; returns the version. ``make_commit`` is asked for the commit's content now.
    ``replaces``: files of ``base`` (paths as :mod:`lakekit.storage.fileset` gives them) the same
    commit removes, an append only."""
    done = make_commit()
    commit_properties = done.properties(exclusive=True)
    removes = _removes(base, replaces) if base is not None and replaces else []
    metrics = {"num_added_rows": staged.rows, "num_added_files": len(staged.actions),
               **({"num_removed_files": len(removes)} if removes else {})}
    commit_properties.custom_metadata = {**(commit_properties.custom_metadata or {}), "operationMetrics": metrics}
    try:
        if base is None:
            create_table_with_add_actions(storage.uri(staged.table), Schema.from_arrow(schema), list(staged.actions),
                                          mode="error", partition_by=list(partition_by) or None,
                                          configuration=dict(configuration or {}) or None,
                                          storage_options=dict(storage.options) or None,
                                          commit_properties=commit_properties)
            return 0
        before = base.version()
        base.create_write_transaction([*staged.actions, *removes], mode, schema,
                                      partition_by=list(partition_by) or None, commit_properties=commit_properties)
    except CommitFailedError:
        raise Conflict(f"concurrent commit on '{staged.table}'") from None
    except DeltaError as e:
        if base is None and storage.exists(staged.table):
            raise Conflict(f"'{staged.table}' was created concurrently") from None
        raise LakekitError(f"cannot commit to '{staged.table}': {e}") from None
    return before + 1


def _removes(base: DeltaTable, paths: Collection[str]) -> list[RemoveAction]:
    """The remove actions of ``base``'s files at ``paths`` (decoded, as delta-rs takes them)."""
    actions = add_actions(base)
    now = int(time.time() * 1000)
    found = [RemoveAction(unquote(path), True, now, size)
             for path, size in zip(actions.column("path").to_pylist(), actions.column("size_bytes").to_pylist(),
                                   strict=True) if unquote(path) in paths]
    if len(found) != len(paths):
        raise Conflict(f"files of '{base.table_uri}' went while they were rewritten")
    return found


def discard(storage: Storage, staged: Staged) -> None:
    """Delete the files of a staged write that will not be committed."""
    _remove(storage, staged.table, staged.folder)


def _remove(storage: Storage, table: str, folder: str) -> None:
    """Delete a staged folder, then the table's and its namespace's folders if that left them empty
    (a load into a new table that failed leaves no trace; a folder another writer has put a file in
    since is not empty, and stays)."""
    with contextlib.suppress(FileNotFoundError):  # an engine that failed before writing made none
        storage.folder_fs(table_folder(table)).delete_dir(folder)
    if "://" not in storage.root:  # object stores have no folders to leave behind
        for emptied in (storage.uri(table), storage.uri(table).rsplit("/", 1)[0]):
            with contextlib.suppress(OSError):
                Path(emptied).rmdir()


def sweep(storage: Storage, table: str, older_than_hours: float) -> list[str]:
    """Delete what staged writes that never committed (killed) left besides data files, older than
    the retention: scratch logs, an engine's ``_temporary`` folders, ``_SUCCESS`` markers and
    ``.crc`` checksums; returns their paths. Their data files are unreferenced and go with ``vacuum``."""
    fs = storage.folder_fs(table_folder(table))
    cutoff = time.time() - older_than_hours * 3600
    swept = []
    for info in fs.get_file_info(pafs.FileSelector("", allow_not_found=True)):
        if info.type != pafs.FileType.Directory or not info.base_name.startswith(PREFIX):
            continue
        for left in fs.get_file_info(pafs.FileSelector(info.path)):
            if not (left.base_name in _LEFTOVERS or left.base_name.endswith(".crc")):
                continue
            if left.mtime is None or left.mtime.timestamp() >= cutoff:
                continue
            if left.type == pafs.FileType.Directory:
                fs.delete_dir(left.path)
            else:
                fs.delete_file(left.path)
            swept.append(left.path)
    return swept


def sweep_unborn(storage: Storage, older_than_hours: float) -> list[str]:
    """Delete the staged folders, older than the retention, of table folders that have no Delta log
    (a first write killed before its commit: nothing references their files); returns their paths."""
    fs, base = storage.files()
    cutoff = time.time() - older_than_hours * 3600
    swept = []
    for path in sorted(fs.glob(f"{glob_escape(base)}/*/*/{PREFIX}*")):
        table = path.rstrip("/").rsplit("/", 1)[0]
        if fs.exists(f"{table}/_delta_log") or not fs.isdir(path):
            continue
        times = [info.get("mtime") or info.get("LastModified") for info in fs.find(path, detail=True).values()]
        if any(t is None or _seconds(t) >= cutoff for t in times):
            continue
        fs.rm(path, recursive=True)
        swept.append(path)
    return swept


def _seconds(moment: float | datetime) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)
