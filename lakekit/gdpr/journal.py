"""What an erasure keeps under ``_lakekit/requests/`` while it runs, so a crash loses nothing:

- ``<request id>.json``: the identifiers the erasure works with (deleting the rows that link an
  e-mail to its accounts' ids must not make a resumed erasure forget those ids), what it has
  counted per table and the verdicts of the runs' reads taken before anything changed. It holds
  no more than the rows it is about to erase, and goes when the erasure finishes;
- ``<request id>/``: the journals of the table rewrites in progress (:mod:`lakekit.storage.history`);
- ``erasing.lock``: one erasure at a time per lake (two history rewrites of one table must not
  interleave). A lock whose process is gone (same host, no such pid) or older than
  :data:`LOCK_SECONDS` is taken over.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lakekit.errors import LakekitError
from lakekit.index import formats
from lakekit.storage.delta import META_NAMESPACE, Storage

FOLDER = f"{META_NAMESPACE}/requests"
LOCK_SECONDS = 6 * 3600.0
"""A lock older than this is taken over whoever holds it (a process on another host that died)."""
WAIT_SECONDS = 600.0
"""How long an erasure waits for another one to finish before it gives up."""


def _path(storage: Storage, name: str) -> tuple[Any, str]:
    fs, base = storage.files()
    return fs, f"{base}/{FOLDER}/{name}"


def journal_dir(storage: Storage, request_id: str) -> str:
    """Where the table rewrites of one request keep their journals (a URI delta-rs' stores take)."""
    return f"{storage.root}/{FOLDER}/{request_id}"


def load(storage: Storage, request_id: str) -> dict[str, Any]:
    """The request file (empty before the request first saved it)."""
    fs, path = _path(storage, f"{request_id}.json")
    if not fs.exists(path):
        return {}
    with fs.open(path, "r") as f:
        return formats.read_request(path.rsplit("/", 1)[-1], json.load(f))


def save(storage: Storage, request_id: str, state: dict[str, Any]) -> None:
    """Replace the request file whole (written beside, then moved)."""
    fs, path = _path(storage, f"{request_id}.json")
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    text = json.dumps(formats.write_request(state), default=str)  # in one go: json.dump encodes in Python
    with fs.open(f"{path}.tmp", "w") as f:
        f.write(text)
    fs.mv(f"{path}.tmp", path)


def forget(storage: Storage, request_id: str) -> None:
    """Delete the request file and its journals' folder."""
    fs, path = _path(storage, f"{request_id}.json")
    if fs.exists(path):
        fs.rm(path)
    fs, folder = _path(storage, request_id)
    if fs.exists(folder):
        fs.rm(folder, recursive=True)


def requests(storage: Storage) -> list[str]:
    """The ids of every request with a file here."""
    fs, folder = _path(storage, "")
    if not fs.exists(folder):
        return []
    return sorted(p.rsplit("/", 1)[-1].removesuffix(".json") for p in fs.ls(folder, detail=False)
                  if p.endswith(".json"))


def unfinished(storage: Storage) -> list[str]:
    """The requests whose table rewrites were cut short (a journal is left)."""
    fs, folder = _path(storage, "")
    if not fs.exists(folder):
        return []
    return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(folder, detail=False)
                  if fs.isdir(p) and fs.find(p))


def _stale(holder: dict[str, Any]) -> bool:
    if time.time() - float(holder.get("at", 0)) > LOCK_SECONDS:
        return True
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(holder.get("pid", 0)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def locked(storage: Storage, request_id: str) -> Iterator[None]:
    """Hold the lake's erasure lock while the block runs (waiting for another erasure to end)."""
    fs, path = _path(storage, "erasing.lock")
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    mine = {"request_id": request_id, "host": socket.gethostname(), "pid": os.getpid(), "at": time.time()}
    deadline = time.monotonic() + WAIT_SECONDS
    while not _acquire(storage, fs, path, mine):
        if time.monotonic() > deadline:
            raise LakekitError("another erasure has held the lake for too long; try again later")
        time.sleep(0.05)
    try:
        yield
    finally:
        if fs.exists(path) and _holder(fs, path).get("pid") == os.getpid():
            fs.rm(path)


def _holder(fs: Any, path: str) -> dict[str, Any]:
    try:
        with fs.open(path, "r") as f:
            held: dict[str, Any] = json.loads(f.read() or "{}")
            return held
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _acquire(storage: Storage, fs: Any, path: str, mine: dict[str, Any]) -> bool:
    """Create the lock file if nobody holds it (or its holder is gone); whether we hold it now."""
    if fs.exists(path):
        holder = _holder(fs, path)
        if holder and not _stale(holder):
            return False
        fs.rm(path)
    draft = f"{path}.{os.getpid()}"
    with fs.open(draft, "w") as f:
        f.write(json.dumps(mine))
    if "://" in storage.root:  # an object store: the last writer wins, then checks it is itself
        fs.mv(draft, path)
        time.sleep(0.05)
        return _holder(fs, path).get("pid") == mine["pid"] and _holder(fs, path).get("host") == mine["host"]
    try:
        os.link(draft, path)  # a link never replaces: exactly one process creates the lock
        return True
    except FileExistsError:
        return False
    finally:
        fs.rm(draft)

