"""Writes whose commit is decided after the rows are written: stage the files, then commit them.

``write_deltalake`` takes the commit's app transactions before it reads a row, but an ingest
knows its files' fingerprints (hashed while they are parsed) only once every row is read. So the
rows are first written by delta-rs as a scratch table in a folder inside the target table
(``staged-<id>/``: its Parquet files, with the statistics delta-rs collects under the target's
statistics settings), and that scratch table's add actions are then committed to the target
with :meth:`DeltaTable.create_write_transaction`, which takes the app transactions. The files
never move; the scratch log is deleted after the commit.

A write killed before its commit leaves a ``staged-*`` folder no version references: its data
files go with the next ``vacuum`` (as any unreferenced file), :func:`sweep` removes the scratch
logs that ``vacuum`` does not look at.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.fs as pafs
from deltalake import DeltaTable, Schema, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError
from deltalake.transaction import AddAction, create_table_with_add_actions

from lakekit.errors import LakekitError
from lakekit.storage import logfile
from lakekit.storage.delta import Commit, Conflict, Storage, table_folder

PREFIX = "staged-"
_STATS_SETTINGS = ("delta.dataSkippingStatsColumns", "delta.dataSkippingNumIndexedCols")


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
    folder = f"{PREFIX}{secrets.token_hex(8)}"
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
    actions = tuple(AddAction(f"{folder}/{a['path']}", a["size"], a["partitionValues"], a["modificationTime"], True,
                              a.get("stats") or "") for a in adds)
    fs.delete_dir("_delta_log")
    return Staged(table, folder, actions, counter.rows)


def commit(storage: Storage, staged: Staged, *, base: DeltaTable | None, mode: Literal["append", "overwrite"],
           schema: pa.Schema, partition_by: Sequence[str], configuration: Mapping[str, str] | None,
           make_commit: Callable[[], Commit]) -> int:
    """Commit the staged files as one version of the table on top of ``base`` (``None``: create it),
    exclusively; returns the version. ``make_commit`` is asked for the commit's content now."""
    done = make_commit()
    commit_properties = done.properties(exclusive=True)
    metrics = {"num_added_rows": staged.rows, "num_added_files": len(staged.actions)}
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
        base.create_write_transaction(list(staged.actions), mode, schema, partition_by=list(partition_by) or None,
                                      commit_properties=commit_properties)
    except CommitFailedError:
        raise Conflict(f"concurrent commit on '{staged.table}'") from None
    except DeltaError as e:
        if base is None and storage.exists(staged.table):
            raise Conflict(f"'{staged.table}' was created concurrently") from None
        raise LakekitError(f"cannot commit to '{staged.table}': {e}") from None
    return before + 1


def discard(storage: Storage, staged: Staged) -> None:
    """Delete the files of a staged write that will not be committed."""
    _remove(storage, staged.table, staged.folder)


def _remove(storage: Storage, table: str, folder: str) -> None:
    """Delete a staged folder, then the table's and its namespace's folders if that left them empty
    (a load into a new table that failed leaves no trace; a folder another writer has put a file in
    since is not empty, and stays)."""
    storage.folder_fs(table_folder(table)).delete_dir(folder)
    if "://" not in storage.root:  # object stores have no folders to leave behind
        for emptied in (storage.uri(table), storage.uri(table).rsplit("/", 1)[0]):
            with contextlib.suppress(OSError):
                Path(emptied).rmdir()


def sweep(storage: Storage, table: str, older_than_hours: float) -> list[str]:
    """Delete the scratch logs of staged writes that never committed (killed), older than the
    retention; returns their folders. Their data files are unreferenced and go with ``vacuum``."""
    fs = storage.folder_fs(table_folder(table))
    cutoff = time.time() - older_than_hours * 3600
    swept = []
    for info in fs.get_file_info(pafs.FileSelector("", allow_not_found=True)):
        if info.type != pafs.FileType.Directory or not info.base_name.startswith(PREFIX):
            continue
        log = fs.get_file_info(f"{info.path}/_delta_log")
        if log.type == pafs.FileType.Directory and log.mtime is not None and log.mtime.timestamp() < cutoff:
            fs.delete_dir(log.path)
            swept.append(info.path)
    return swept
