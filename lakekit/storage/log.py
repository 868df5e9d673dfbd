"""A Delta table's log as a reader replays it: the files each version is made of, the log's own text,
and cutting it short."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import DeltaTable

from lakekit.errors import VersionNotFound
from lakekit.storage.delta import Storage
from lakekit.storage.roots import table_folder


@dataclass(frozen=True)
class FileSpan:
    """One data file of a table and the versions it is part of: from ``added`` up to, not
    including, ``removed`` (None: still part of the newest version looked at). Partition values
    are as the log writes them (text)."""

    path: str
    added: int
    removed: int | None
    partition_values: Mapping[str, str | None]


def version_files(storage: Storage, table: str) -> dict[int, frozenset[str]]:
    """Every version whose log is still there → the files it is made of (relative paths)."""
    first, latest, spans = file_spans(storage, table)
    return {v: frozenset(s.path for s in spans if s.added <= v and (s.removed is None or v < s.removed))
            for v in range(first, latest + 1)}


def file_spans(storage: Storage, table: str, upto: int | None = None) -> tuple[int, int, list[FileSpan]]:
    """(oldest loadable version, ``upto`` (default: latest), every file some version between them
    is made of, with the versions that added and removed it).

    The oldest loadable version is opened once; later versions follow by applying each commit's
    ``add`` and ``remove`` actions, as a Delta reader replays its log (opening every version would
    cost ~20 ms each). A file the oldest loadable version already had counts as added by it: the
    log that added it is gone."""
    fs = storage.folder_fs(table_folder(table))
    commits = {int(i.base_name[:20]): i.path for i in fs.get_file_info(pafs.FileSelector("_delta_log"))
               if i.base_name.endswith(".json") and i.base_name[:20].isdigit()}
    last = storage.open(table, upto)
    for first in sorted(v for v in commits if v <= last.version()):
        try:
            start = storage.open(table, first)
            break
        except VersionNotFound:
            continue
    else:
        first, start = last.version(), last
    live = {path: FileSpan(path, first, None, values) for path, values in _partitions(start)}
    ended: list[FileSpan] = []
    for version in range(first + 1, last.version() + 1):
        with fs.open_input_stream(commits[version]) as f:
            for line in f.read().decode().splitlines():
                action = json.loads(line) if line.strip() else {}
                if "add" in action:
                    path = unquote(action["add"]["path"])
                    live[path] = FileSpan(path, version, None, action["add"].get("partitionValues") or {})
                elif "remove" in action and (gone := live.pop(unquote(action["remove"]["path"]), None)):
                    ended.append(dataclasses.replace(gone, removed=version))
    return first, last.version(), [*ended, *live.values()]


def latest_files(storage: Storage, table: str) -> frozenset[str]:
    """The files the latest version of ``table`` is made of (relative paths)."""
    return _paths(storage.open(table))

def log_texts(storage: Storage, table: str) -> Iterator[tuple[str, str]]:
    """(name, text) of every file of the table's log: JSON commits, checkpoints as JSON text."""
    fs = storage.folder_fs(table_folder(table))
    for info in fs.get_file_info(pafs.FileSelector("_delta_log", allow_not_found=True)):
        try:
            if info.path.endswith(".json"):
                with fs.open_input_stream(info.path) as f:
                    yield info.path, f.read().decode(errors="replace")
            elif info.path.endswith(".parquet"):
                with fs.open_input_file(info.path) as f:
                    yield info.path, json.dumps(pq.read_table(f).to_pylist(), default=str)
        except FileNotFoundError:  # cleaned up since the listing
            continue

def purge_log(storage: Storage, table: str) -> None:
    """Checkpoint the latest version and delete every log file before it: older versions can no
    longer be loaded. Nothing of the table's configuration changes, so a crash half-way leaves a
    table that only has fewer old log entries."""
    dt = storage.open(table)
    dt.create_checkpoint()
    latest = dt.version()
    fs = storage.folder_fs(table_folder(table))
    for info in fs.get_file_info(pafs.FileSelector("_delta_log", allow_not_found=True)):
        head = info.base_name.split(".", 1)[0]
        if head.isdigit() and int(head) < latest:
            fs.delete_file(info.path)


def _paths(dt: DeltaTable) -> frozenset[str]:
    return frozenset(unquote(p) for p in pa.table(dt.get_add_actions(flatten=False)).column("path").to_pylist())


def _partitions(dt: DeltaTable) -> list[tuple[str, dict[str, str | None]]]:
    """(path, partition values as the log writes them) of every file of a snapshot."""
    actions = pa.table(dt.get_add_actions(flatten=False))
    paths = [unquote(p) for p in actions.column("path").to_pylist()]
    if "partition" not in actions.column_names:
        return [(p, {}) for p in paths]
    values = actions.column("partition").to_pylist()
    return [(p, {k: None if x is None else _log_text(x) for k, x in (v or {}).items()})
            for p, v in zip(paths, values, strict=True)]


def _log_text(value: Any) -> str:
    """A partition value as the Delta log writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value)
