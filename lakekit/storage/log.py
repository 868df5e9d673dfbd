"""A Delta table's log as a reader replays it: the files each version is made of, how the log
spells every file it names, and the raw log files themselves (for a search of their text)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
from deltalake import DeltaTable

from lakekit.errors import VersionNotFound
from lakekit.storage.delta import Storage
from lakekit.storage.roots import table_folder

LOG = "_delta_log"


@dataclass(frozen=True)
class Replay:
    """What a table's log says of its files."""

    versions: dict[int, frozenset[str]]
    """Every version whose log is still there → the data files it is made of (relative paths)."""
    spelled: dict[str, str]
    """Every file the log still names (added, removed, change data) → the path as the log spells it
    (URL-encoded, e.g. a partition value ``fr x`` as ``fr%2520x``)."""


def replay(storage: Storage, table: str) -> Replay:
    """The oldest loadable version is opened once; later versions follow by applying each commit's
    ``add`` and ``remove`` actions, as a Delta reader replays its log (opening every version would
    cost ~20 ms each)."""
    fs = storage.folder_fs(table_folder(table))
    commits = {int(i.base_name[:20]): i.path for i in fs.get_file_info(pafs.FileSelector(LOG))
               if i.base_name.endswith(".json") and i.base_name[:20].isdigit()}
    latest = storage.open(table)
    spelled: dict[str, str] = {}
    for first in sorted(commits):
        try:
            live = set(_paths(storage.open(table, first), spelled))
            break
        except VersionNotFound:
            continue
    else:
        return Replay({latest.version(): _paths(latest, spelled)}, spelled)
    found = {first: frozenset(live)}
    for version in sorted(commits):
        if version > latest.version():
            break
        with fs.open_input_stream(commits[version]) as f:
            lines = f.read().decode().splitlines()
        for line in lines:
            action = json.loads(line) if line.strip() else {}
            for kind in ("add", "remove", "cdc"):
                if kind in action:
                    path = unquote(action[kind]["path"])
                    spelled[path] = action[kind]["path"]
                    if version > first and kind == "add":
                        live.add(path)
                    elif version > first and kind == "remove":
                        live.discard(path)
        if version > first:
            found[version] = frozenset(live)
    return Replay(found, spelled)


def version_files(storage: Storage, table: str) -> dict[int, frozenset[str]]:
    """Every version whose log is still there → the files it is made of (relative paths)."""
    return replay(storage, table).versions


def _paths(dt: DeltaTable, spelled: dict[str, str]) -> frozenset[str]:
    raw = pa.table(dt.get_add_actions(flatten=False)).column("path").to_pylist()
    spelled.update({unquote(p): p for p in raw})
    return frozenset(unquote(p) for p in raw)


def log_files(storage: Storage, folder: str) -> Iterator[tuple[str, int, Callable[[], bytes | None]]]:
    """Every file in the ``_delta_log`` of the table at ``folder`` (commits, checkpoints,
    ``_last_checkpoint``, checksums): (path under ``folder``, modification time in ns, a reader of its
    bytes, None once it is gone). A log file is replaced whole, so a new time means new content."""
    fs = storage.folder_fs(folder)
    for info in fs.get_file_info(pafs.FileSelector(LOG, allow_not_found=True, recursive=True)):
        if info.type == pafs.FileType.File:
            yield info.path, info.mtime_ns or 0, functools.partial(_content, fs, info.path)


def _content(fs: pafs.FileSystem, path: str) -> bytes | None:
    try:
        with fs.open_input_stream(path) as f:
            return bytes(f.read())
    except FileNotFoundError:  # removed since the listing
        return None
