"""Rows held back until every one of them has passed.

A write's batches are read, audited and checked into a spool before delta-rs sees any: in memory
up to :data:`SPILL` bytes, then in a temporary Arrow IPC file outside the lake. delta-rs writes a
data file as soon as it has rows, and leaves it behind when the stream it reads then fails; a
malformed line in the last MiB of a file, a failed check under the ``fail`` policy or a repeated
merge key therefore fails the write before it starts, and the lake is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pyarrow as pa

SPILL = 64 << 20
"""Bytes of rows a spool keeps in memory before it writes them to a temporary file."""


class Spool:
    """Batches of one schema, kept until :meth:`reader` hands them on (a context manager: the
    temporary file goes when it exits)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.held: list[pa.RecordBatch] = []
        self.size = 0
        self.path: str | None = None
        self.writer: pa.ipc.RecordBatchStreamWriter | None = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def add(self, batch: pa.RecordBatch) -> None:
        if self.writer is None and self.size + batch.nbytes <= SPILL:
            self.held.append(batch)
            self.size += batch.nbytes
            return
        if self.writer is None:
            handle, self.path = tempfile.mkstemp(prefix="lakekit-spool-", suffix=".arrows")
            os.close(handle)
            self.writer = pa.ipc.new_stream(self.path, self.schema)
            for held in self.held:
                self.writer.write_batch(held)
            self.held = []
        self.writer.write_batch(batch)

    def reader(self) -> pa.RecordBatchReader:
        """Every batch added, in order."""
        if self.writer is None:
            return pa.RecordBatchReader.from_batches(self.schema, iter(self.held))
        self.writer.close()
        return pa.RecordBatchReader.from_batches(self.schema, self._spilled())

    def _spilled(self) -> Iterator[pa.RecordBatch]:
        assert self.path is not None
        with pa.memory_map(self.path) as source:
            yield from pa.ipc.open_stream(source)

    def close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(pa.ArrowException, OSError):
                self.writer.close()
        if self.path is not None:
            Path(self.path).unlink(missing_ok=True)
        self.held = []
