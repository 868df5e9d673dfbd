"""A Delta table's log as a reader replays it: the files each version is made of, the log's own text,
and cutting it short."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import DeltaTable

from lakekit.errors import VersionNotFound
from lakekit.storage.delta import Storage
from lakekit.storage.roots import table_folder


def version_files(storage: Storage, table: str) -> dict[int, frozenset[str]]:
    """Every version whose log is still there → the files it is made of (relative paths).

    The oldest loadable version is opened once; later versions follow by applying each
    commit's ``add`` and ``remove`` actions, as a Delta reader replays its log (opening every
    version would cost ~20 ms each)."""
    fs = storage.folder_fs(table_folder(table))
    commits = {int(i.base_name[:20]): i.path for i in fs.get_file_info(pafs.FileSelector("_delta_log"))
               if i.base_name.endswith(".json") and i.base_name[:20].isdigit()}
    latest = storage.open(table)
    for first in sorted(commits):
        try:
            live = set(_paths(storage.open(table, first)))
            break
        except VersionNotFound:
            continue
    else:
        return {latest.version(): _paths(latest)}
    found = {first: frozenset(live)}
    for version in range(first + 1, latest.version() + 1):
        with fs.open_input_stream(commits[version]) as f:
            for line in f.read().decode().splitlines():
                action = json.loads(line) if line.strip() else {}
                if "add" in action:
                    live.add(unquote(action["add"]["path"]))
                elif "remove" in action:
                    live.discard(unquote(action["remove"]["path"]))
        found[version] = frozenset(live)
    return found

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
