"""A file's SHA-256 taken from the bytes its parser reads, so a load reads each byte once.

:class:`Digest` is handed to :func:`lakekit.sources.read`; the stream the parser consumes is
wrapped so every block it reads is hashed on the way. A reader that opens its file again (a CSV
whose column types are only known after a first look) starts the digest over on the new stream.
Once the parser is done, :meth:`Digest.checksum` hashes whatever the parser left unread (nothing,
for the text formats, which read to the end) and gives ``"sha256:<hex>"``, the same value as
:func:`lakekit.sources.fingerprint`.
"""

from __future__ import annotations

import hashlib
from typing import IO, Any

import pyarrow as pa

from lakekit.core.fingerprint import CHUNK


class _Hashing:
    """A read-only binary file that hashes what is read from it (and, on close, what was not)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()
        self.closed = False
        self.position = 0

    def read(self, size: int = -1) -> bytes | pa.Buffer:
        """Up to ``size`` bytes, hashed. A block is read into a buffer of Arrow's memory pool, which
        keeps its pages: a fresh ``bytes`` per MiB block comes from the system allocator as new
        pages, and faulting them in cost as much CPU as the hash itself (~1 s per GB here)."""
        if size is None or size < 0 or not hasattr(self.raw, "readinto"):
            data = self.raw.read(size)
            self.hash.update(data)
            self.position += len(data)
            return data
        block = pa.allocate_buffer(size)
        read = self.raw.readinto(memoryview(block)) or 0
        block = block.slice(0, read)
        self.hash.update(memoryview(block))
        self.position += read
        return block

    def tell(self) -> int:
        return self.position

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        if self.closed:
            return
        while chunk := self.raw.read(CHUNK):
            self.hash.update(chunk)
        self.raw.close()
        self.closed = True


class Digest:
    """The SHA-256 of one source file, computed while it is parsed."""

    def __init__(self) -> None:
        self._current: _Hashing | None = None

    def wrap(self, raw: IO[bytes]) -> Any:
        """Hash ``raw`` as it is read; a digest follows only the stream it wrapped last."""
        if self._current is not None:
            self._current.raw.close()
            self._current.closed = True
        self._current = _Hashing(raw)
        return self._current

    def checksum(self) -> str:
        """``"sha256:<hex>"`` of the whole file (the bytes the parser did not read are read now)."""
        if self._current is None:
            raise RuntimeError("the digest's file was never opened")
        self._current.close()
        return f"sha256:{self._current.hash.hexdigest()}"
