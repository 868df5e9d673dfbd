"""Files for :mod:`lakekit.storage.history`: a table's files through ``pyarrow.fs`` with atomic replacement, and the
rewrite's journal."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.fs as pafs

from lakekit.storage import filesystems

JOURNAL_FORMAT = "delta-history-rewrite/1"
TMP_PREFIX = ".history-tmp-"
"""Temp files of local atomic writes (delta-rs ignores files it cannot parse as log files)."""


class JournalError(Exception):
    """A journal this code cannot resume."""


def _syncfs() -> Any:
    """libc's ``syncfs`` (Linux): every file of one file system made durable in one call; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs()


class Store:
    """Files under one root through ``pyarrow.fs``. ``put`` is atomic: locally a temp file moved over the
    target with ``os.replace``; on an object store a single PUT of the final key.

    Locally a file ``put`` (or a folder a file was deleted from) is made durable at once, or, with ``deferred``,
    by the next :meth:`sync` together with every other change since: a rewrite syncs at the few points where
    the order of its changes matters, not once per file. Stores given one ``unsynced`` set (the table's and
    its journal's) are made durable together by either's :meth:`sync`. A ``kill -9`` loses nothing either way
    (the page cache survives the process)."""

    def __init__(self, fs: pafs.FileSystem, root: str, local: bool, *, deferred: bool = False,
                 unsynced: set[str] | None = None) -> None:
        self.fs, self.root, self.local, self.deferred = fs, root.rstrip("/"), local, deferred
        self.unsynced: set[str] = set() if unsynced is None else unsynced

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def list(self, folder: str) -> dict[str, tuple[int, int]]:
        """Name → (size, mtime in ns) of the files directly in ``folder`` (empty when it does not exist)."""
        infos = self.fs.get_file_info(pafs.FileSelector(self.path(folder), allow_not_found=True))
        return {i.base_name: (i.size or 0, i.mtime_ns or 0) for i in infos if i.type == pafs.FileType.File}

    def read(self, rel: str) -> bytes | None:
        try:
            with self.fs.open_input_stream(self.path(rel)) as f:
                return bytes(f.read())
        except FileNotFoundError:
            return None

    def size(self, rel: str) -> int | None:
        info = self.fs.get_file_info(self.path(rel))
        return info.size if info.type == pafs.FileType.File else None

    def put(self, rel: str, data: bytes) -> None:
        if not self.local:  # one PUT: the object is replaced whole or not at all (there is no rename)
            with self.fs.open_output_stream(self.path(rel)) as f:
                f.write(data)
            return
        target = Path(self.path(rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f"{TMP_PREFIX}{target.name}.{uuid.uuid4().hex}"
        with temp.open("wb") as f:
            f.write(data)
        temp.replace(target)
        self._changed(str(target))

    def stat(self, rel: str) -> tuple[int, int] | None:
        """(size, mtime in ns) of a file, as :meth:`list` gives them; None when there is none."""
        info = self.fs.get_file_info(self.path(rel))
        return (info.size or 0, info.mtime_ns or 0) if info.type == pafs.FileType.File else None

    def _changed(self, path: str) -> None:
        self.unsynced.add(path)
        if not self.deferred:
            self.sync()

    def sync(self) -> None:
        """Make every change since the last call durable, files then their folders (locally; a no-op elsewhere):
        one ``syncfs`` per file system they are on where Linux offers it, else one fsync each."""
        if not self.unsynced:
            return
        folders = {str(Path(p).parent) for p in self.unsynced}
        if _SYNCFS is not None and _syncfs_each(folders):
            self.unsynced.clear()
            return
        for path in sorted(self.unsynced | folders, key=len, reverse=True):
            try:
                handle = os.open(path, os.O_RDONLY)
            except FileNotFoundError:  # deleted: its folder is synced
                continue
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
        self.unsynced.clear()

    def delete(self, rel: str) -> bool:
        try:
            self.fs.delete_file(self.path(rel))
        except FileNotFoundError:
            return False
        if self.local:
            self._changed(self.path(rel))  # gone: its folder is what a sync makes durable
        return True


def _syncfs_each(folders: set[str]) -> bool:
    """One ``syncfs`` per file system holding one of ``folders`` (those that exist); whether every call worked."""
    handles: dict[int, int] = {}
    try:
        for folder in sorted(folders):
            try:
                handle = os.open(folder, os.O_RDONLY)
            except FileNotFoundError:
                continue
            device = os.fstat(handle).st_dev
            if device in handles:
                os.close(handle)
            else:
                handles[device] = handle
        return all(_SYNCFS(handle) == 0 for handle in handles.values())
    finally:
        for handle in handles.values():
            os.close(handle)


def open_store(uri: str, storage_options: Mapping[str, str] | None = None, *, deferred: bool = False,
               unsynced: set[str] | None = None) -> Store:
    """A store for a local path, ``file://``, ``s3://`` (delta-rs style options) or any fsspec URL (``deferred``,
    ``unsynced``: see :class:`Store`)."""
    fs, root, local = filesystems.resolve(uri, storage_options or {})
    return Store(fs, root, local, deferred=deferred, unsynced=unsynced)


def journal_name(table_uri: str) -> str:
    """The journal's file name in ``journal_dir``: one rewrite per table at a time."""
    return f"history-{hashlib.sha256(table_uri.rstrip('/').encode()).hexdigest()[:16]}.json"


class Journal:
    """The rewrite's state, one JSON file replaced whole at each change. It names files and columns and
    holds the copies' stats, never the old files' stats or rows:

    ``{"format", "table", "id", "phase": write|widen|swap|narrow|delete, "start_version": latest commit
    at the start, "first_version": oldest log file naming an old file, "log_files": those naming one,
    "text_rewrite": bool, "files": {old path: {"new", "rows", "size", "stats", "template"}}}``
    """

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name

    def load(self) -> dict[str, Any] | None:
        raw = self.store.read(self.name)
        if raw is None:
            return None
        state: dict[str, Any] = json.loads(raw)
        if state.get("format") != JOURNAL_FORMAT:
            raise JournalError(f"{self.name} is not a journal this code can resume")
        return state

    def save(self, state: dict[str, Any]) -> None:
        self.store.put(self.name, json.dumps(state, separators=(",", ":")).encode())  # compact: the C encoder

    def delete(self) -> None:
        """The journal, and temp files a killed save of it left."""
        self.store.delete(self.name)
        for name in self.store.list(""):
            if name.startswith(f"{TMP_PREFIX}{self.name}."):
                self.store.delete(name)


class LogCache:
    """What one rewrite call learned of a table's ``_delta_log`` files, by (size, mtime): a log file is
    replaced whole, never changed in place, so a file listed with the same size and time holds what it
    held (the passes rely on it already). Kept: JSON files' bytes (small), the JSON files no level
    changes, and whether each checkpoint file names a replaced file (never a checkpoint's bytes)."""

    def __init__(self, store: Store, folder: str) -> None:
        self.store, self.folder = store, folder
        self.raw: dict[str, tuple[tuple[int, int], bytes]] = {}
        self.settled: dict[str, tuple[int, int]] = {}
        self.naming: dict[str, tuple[tuple[int, int], bool]] = {}

    def read(self, name: str, seen: tuple[int, int]) -> bytes | None:
        """A JSON log file's bytes, read once per (size, mtime)."""
        cached = self.raw.get(name)
        if cached is not None and cached[0] == seen:
            return cached[1]
        raw = self.store.read(f"{self.folder}/{name}")
        if raw is not None:
            self.raw[name] = (seen, raw)
        return raw

    def names_old(self, name: str, seen: tuple[int, int]) -> bool | None:
        """Whether a checkpoint file names a replaced file, if known for this (size, mtime)."""
        known = self.naming.get(name)
        return known[1] if known is not None and known[0] == seen else None

    def judged(self, name: str, seen: tuple[int, int] | None, names_old: bool) -> None:
        if seen is not None:
            self.naming[name] = (seen, names_old)
