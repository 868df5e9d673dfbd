"""A Delta table's log as a reader replays it: the files each version is made of, how the log spells
every file it names, and the raw log files themselves (for a search of their text)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from deltalake import DeltaTable

from lakekit.errors import VersionNotFound
from lakekit.storage import logfile
from lakekit.storage.delta import Storage, add_actions
from lakekit.storage.history.actions import log_kind
from lakekit.storage.roots import table_folder

LOG = "_delta_log"
T = TypeVar("T")
"""A commit file's name."""


@dataclass(frozen=True)
class FileSpan:
    """One data file of a table and the versions it is part of: from ``added`` up to, not
    including, ``removed`` (None: still part of the newest version looked at). Partition values
    are as the log writes them (text)."""

    path: str
    added: int
    removed: int | None
    partition_values: Mapping[str, str | None]


@dataclass(frozen=True)
class Replay:
    """What a table's log says of its files."""

    first: int
    latest: int
    spans: tuple[FileSpan, ...]
    spelled: dict[str, str]
    """Every file the log still names (added, removed, change data) → the path as the log spells it
    (URL-encoded, e.g. a partition value ``fr x`` as ``fr%2520x``)."""

    @functools.cached_property
    def versions(self) -> dict[int, frozenset[str]]:
        """Every version whose log is still there → the data files it is made of (relative paths)."""
        return {v: frozenset(s.path for s in self.spans if s.added <= v and (s.removed is None or v < s.removed))
                for v in range(self.first, self.latest + 1)}

    def current(self) -> frozenset[str]:
        """The files of the latest version."""
        return frozenset(s.path for s in self.spans if s.removed is None)

    def holding(self, paths: Collection[str]) -> list[int]:
        """The versions made of one of ``paths`` or more, oldest first."""
        return sorted({v for s in self.spans if s.path in paths
                       for v in range(s.added, self.latest + 1 if s.removed is None else s.removed)})


def version_files(storage: Storage, table: str) -> dict[int, frozenset[str]]:
    """Every version whose log is still there → the files it is made of (relative paths)."""
    return replay(storage, table).versions


KEPT = 64
"""Replays (and sets of repacked files) of local tables kept, the least recently made dropped first."""
_kept: dict[tuple[Any, ...], Any] = {}


def _remembered(storage: Storage, table: str, listed: list[pafs.FileInfo], question: tuple[Any, ...],
                answer: Callable[[], T]) -> T:
    """``answer()``, kept for the same ``question`` about the same log. On a local filesystem a log is
    known by the name, size and modification time (ns) of every file in it: a log file is replaced
    whole, never changed in place (an erasure too writes a new file over it), so the same listing
    means the same log. Elsewhere (an object store's times are coarse) nothing is kept."""
    if "://" in storage.root:
        return answer()
    key = (storage.root, table, *question, tuple(sorted((i.base_name, i.size or 0, i.mtime_ns or 0) for i in listed)))
    if key not in _kept:
        while len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)), None)
        _kept[key] = answer()
    found: T = _kept[key]
    return found


def replay(storage: Storage, table: str) -> Replay:
    """The versions of ``table`` and the files they are made of, and every file its log names; kept
    per process for a local table whose log has not changed (:func:`_remembered`)."""
    listed = _listing(storage, table)

    def made() -> Replay:
        spelled: dict[str, str] = {}
        first, latest, spans = _walk(storage, table, None, spelled, listed)
        return Replay(first, latest, tuple(spans), spelled)

    return _remembered(storage, table, listed, ("replay",), made)


def _listing(storage: Storage, table: str) -> list[pafs.FileInfo]:
    return storage.folder_fs(table_folder(table)).get_file_info(pafs.FileSelector(LOG, allow_not_found=True))


def file_spans(storage: Storage, table: str, upto: int | None = None) -> tuple[int, int, list[FileSpan]]:
    """(oldest loadable version, ``upto`` (default: latest), every file some version between them
    is made of, with the versions that added and removed it).

    When the log still holds every commit from version 0 on, the commits alone are replayed; else the
    oldest loadable version is opened once and later versions follow by applying each commit's
    ``add`` and ``remove`` actions, as a Delta reader replays its log (opening every version would
    cost ~20 ms each). A file the oldest loadable version already had counts as added by it: the
    log that added it is gone."""
    return _walk(storage, table, upto, None, _listing(storage, table))


def _walk(storage: Storage, table: str, upto: int | None, spelled: dict[str, str] | None,
          listed: list[pafs.FileInfo]) -> tuple[int, int, list[FileSpan]]:
    """:func:`file_spans` over the log files ``listed``, noting in ``spelled`` (when given) how the log
    spells each file it names."""
    commits = {int(i.base_name[:20]): i.path for i in listed if logfile.COMMIT.fullmatch(i.base_name)}
    newest = max(commits, default=-1)
    if commits and len(commits) == newest + 1 and (upto is None or 0 <= upto <= newest):  # every commit from 0 on
        first, last, live, opened = 0, newest if upto is None else upto, {}, -1
    else:
        snapshot = storage.open(table, upto)
        last = snapshot.version()
        for first in sorted(v for v in commits if v <= last):
            try:
                start = storage.open(table, first)
                break
            except VersionNotFound:
                continue
        else:
            first, start = last, snapshot
        live = {path: FileSpan(path, first, None, values) for path, values in _partitions(start, spelled)}
        opened = first
    ended: list[FileSpan] = []
    fs = storage.folder_fs(table_folder(table))
    for version in sorted(v for v in commits if v <= last):
        with fs.open_input_stream(commits[version]) as f:
            raw = f.read()
        for action in logfile.files(raw):
            for kind in logfile.FILE_ACTIONS:
                if kind in action and spelled is not None:
                    spelled[unquote(action[kind]["path"])] = action[kind]["path"]
            if version <= opened:  # in the snapshot opened
                continue
            if "add" in action:
                path = unquote(action["add"]["path"])
                live[path] = FileSpan(path, version, None, action["add"].get("partitionValues") or {})
            elif "remove" in action and (gone := live.pop(unquote(action["remove"]["path"]), None)):
                ended.append(dataclasses.replace(gone, removed=version))
    return first, last, [*ended, *live.values()]


def repacked(storage: Storage, table: str, upto: int) -> frozenset[str]:
    """Files removed at or before version ``upto`` whose rows version ``upto`` still holds, in other
    files: every remove the log still knows of (the tombstones of the latest checkpoint up to
    ``upto``, then the commits after it) says its rows moved (``dataChange`` false: an OPTIMIZE
    puts them in the files it adds, and by induction they reach ``upto``). Empty when one remove
    changed data, or the log cannot tell (a commit missing, a v2 checkpoint): every file counts then.
    A remove older than the tombstones' retention is forgotten, but so is every one before it.
    Kept per process for a local table whose log has not changed (:func:`_remembered`)."""
    listed = _listing(storage, table)
    return _remembered(storage, table, listed, ("repacked", upto), lambda: _repacked(storage, table, upto, listed))


def _repacked(storage: Storage, table: str, upto: int, listed: list[pafs.FileInfo]) -> frozenset[str]:
    fs = storage.folder_fs(table_folder(table))
    try:
        kinds = {i.base_name: k for i in listed if (k := log_kind(i.base_name)) is not None and k[1] <= upto}
    except ValueError:
        return frozenset()
    start = max((v for kind, v in kinds.values() if kind == "checkpoint"), default=-1)
    parts = sorted(n for n, k in kinds.items() if k == ("checkpoint", start))
    if parts and len(parts) != int(parts[0].split(".")[3] if parts[0].count(".") == 4 else 1):
        return frozenset()  # a multi-part checkpoint still being written
    removes: list[tuple[str, bool]] = []
    for name in parts:
        with fs.open_input_file(f"{LOG}/{name}") as f:
            file = pq.ParquetFile(f)
            if "remove" not in file.schema_arrow.names:  # a checkpoint written with no tombstone to keep
                continue
            rows = file.read(columns=["remove"]).column("remove").drop_null()
        removes += zip(pc.struct_field(rows, "path").to_pylist(), pc.struct_field(rows, "dataChange").to_pylist(),
                       strict=True)
    names = {k[1]: n for n, k in kinds.items() if k[0] == "json" and ".compacted." not in n}
    for version in range(start + 1, upto + 1):
        if version not in names:
            return frozenset()
        with fs.open_input_stream(f"{LOG}/{names[version]}") as f:
            raw = f.read()
        removes += [(a["remove"]["path"], bool(a["remove"].get("dataChange", True)))
                    for a in logfile.files(raw) if "remove" in a]
    if any(changed for _, changed in removes):
        return frozenset()
    return frozenset(unquote(path) for path, _ in removes)


def _partitions(dt: DeltaTable, spelled: dict[str, str] | None = None) -> list[tuple[str, dict[str, str | None]]]:
    """(path, partition values as the log writes them) of every file of a snapshot."""
    actions = add_actions(dt)
    raw = actions.column("path").to_pylist()
    if spelled is not None:
        spelled.update({unquote(p): p for p in raw})
    paths = [unquote(p) for p in raw]
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
