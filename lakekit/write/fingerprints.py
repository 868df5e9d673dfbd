"""Fingerprints of local source files remembered by ``(path, size, mtime_ns)``, so loading an
unchanged file again costs a look-up, not a read of the file.

Each entry is a small JSON file under ``_lakekit/fingerprints/`` named by a hash of the path,
written after the file was hashed (atomically: written beside, then moved), with the format it is
written in: an entry in another format is a miss (the file is hashed again), as a cache may be. A file changed since
has another size or modification time and is hashed again; one changed with both kept (a copy
that preserves times over a file of the same size) would be taken for the old one, which is
what ``verify=True`` (``lakekit ingest --verify``) is for: it hashes every file again. Object
stores need no entry: their ETag is the fingerprint.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterable
from pathlib import Path

import pyarrow.fs as pafs
import xxhash

from lakekit.core.results import SourceFile
from lakekit.index.formats import FORMAT, KEY
from lakekit.sources import Source
from lakekit.storage.delta import META_NAMESPACE, Storage

FOLDER = f"{META_NAMESPACE}/fingerprints"


def _entry(uri: str) -> str:
    return f"{xxhash.xxh3_128_hexdigest(uri.encode())}.json"


def stat(src: Source) -> tuple[int, int] | None:
    """(size, mtime_ns) of a local file; None elsewhere or when it cannot be read."""
    if not src.local:
        return None
    try:
        st = Path(src.path).stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def recall(storage: Storage, src: Source) -> SourceFile | None:
    """The fingerprint remembered for ``src`` as it is now (same size and modification time)."""
    now = stat(src)
    if now is None:
        return None
    try:
        with storage.folder_fs(FOLDER).open_input_stream(_entry(src.uri)) as f:
            entry = json.loads(f.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
    if entry.get(KEY, 2) != FORMAT or entry.get("uri") != src.uri or (entry.get("size"), entry.get("mtime_ns")) != now:
        return None
    return SourceFile(src.uri, now[0], str(entry["checksum"]))


def remember(storage: Storage, hashed: Iterable[tuple[Source, SourceFile, tuple[int, int] | None]]) -> None:
    """Keep the fingerprints of local files just hashed, for :func:`recall`; each with the
    :func:`stat` taken before it was read (a file changed meanwhile is not remembered)."""
    fs: pafs.FileSystem | None = None
    for src, fp, before in hashed:
        now = stat(src)
        if now is None or now != before or not fp.checksum.startswith("sha256:"):
            continue
        if fs is None:
            storage.folder_fs(META_NAMESPACE).create_dir(FOLDER.rsplit("/", 1)[1], recursive=True)
            fs = storage.folder_fs(FOLDER)
        name = _entry(src.uri)
        draft = f"{name}.{secrets.token_hex(4)}"
        with fs.open_output_stream(draft) as f:
            f.write(json.dumps({KEY: FORMAT, "uri": src.uri, "size": now[0], "mtime_ns": now[1],
                                "checksum": fp.checksum}).encode())
        try:
            fs.move(draft, name)
        except OSError:
            with contextlib.suppress(OSError):
                fs.delete_file(draft)
