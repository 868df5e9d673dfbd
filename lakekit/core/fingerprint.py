"""Content fingerprints and salted hashes. Pure: callers hand in the bytes or the Arrow table.

A source file's identity for exactly-once loading is the SHA-256 of its bytes (hardware
accelerated on x86: ~1.3 GB/s here), so the same content under a new name is recognised,
and a changed file under the same name is not mistaken for the old one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import xxhash

CHUNK = 8 << 20


def sha256_chunks(chunks: Iterable[bytes]) -> str:
    """``"sha256:<hex>"`` of the concatenated chunks.

    >>> sha256_chunks([b"ab", b"c"]) == sha256_chunks([b"abc"])
    True
    """
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return f"sha256:{h.hexdigest()}"


def stable_hash(value: Any) -> str:
    """Hex SHA-256 of a JSON-able value, independent of dict order.

    >>> stable_hash({"a": 1, "b": [2]}) == stable_hash({"b": [2], "a": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def salted_hash(value: str, salt: bytes) -> str:
    """A keyed hash of a personal identifier, safe to print and log.

    >>> salted_hash("alice@example.com", b"s") != salted_hash("alice@example.com", b"t")
    True
    """
    return hashlib.blake2b(value.encode(), key=salt[:64], digest_size=16).hexdigest()


TABLE_HASH = "xxh3_128"
"""The hash of :func:`table_fingerprint`: XXH3-128 reads ~10 GB/s on one core here against
SHA-256's 1.5, so verifying a training set costs a tenth of reading it. It proves rows equal, not
that nobody forged them: whoever can rewrite a table's files can rewrite ``_lakekit`` too."""


class _HashSink:
    """A write-only file that hashes what is written to it."""

    closed = False

    def __init__(self) -> None:
        self.hash = xxhash.xxh3_128()

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        return None


def _column_digest(column: pa.ChunkedArray) -> str:
    schema = pa.schema([pa.field("c", column.type)])
    sink = _HashSink()
    with pa.ipc.new_stream(pa.PythonFile(sink, mode="w"), schema) as writer:
        for chunk in column.chunks:
            writer.write_batch(pa.record_batch([_zeroed(chunk)], schema=schema))
    return sink.hash.hexdigest()


_SAME_WIDTH = {8: pa.int8(), 16: pa.int16(), 32: pa.int32(), 64: pa.int64()}


def _zeroed(chunk: pa.Array) -> pa.Array:
    """``chunk`` with zeros under its nulls where its values have a fixed width.

    What a null slot holds is undefined in Arrow: an engine may leave anything there (DuckDB does,
    for the unmatched rows of an outer join), and the IPC stream hashed carries it. Readers of
    Parquet write zeros, so a column that had them keeps its fingerprint.
    """
    kind = chunk.type
    fixed = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_temporal(kind)
    if chunk.null_count == 0 or not (pa.types.is_boolean(kind) or (fixed and kind.bit_width in _SAME_WIDTH)):
        return chunk
    if chunk.offset:
        chunk = pa.concat_arrays([chunk])  # buffers that start at the first value
    zero = pa.scalar(False) if pa.types.is_boolean(kind) else pa.array([0], _SAME_WIDTH[kind.bit_width]).view(kind)[0]
    filled = pc.fill_null(chunk, zero)
    return pa.Array.from_buffers(kind, len(chunk), [chunk.buffers()[0], filled.buffers()[1]], chunk.null_count)


def table_fingerprint(table: pa.Table) -> str:
    """``"xxh3_128:<hex>"`` of a table's column names, types and values (each column's Arrow IPC
    stream, chunked as read).

    Equal tables read the same way give the same fingerprint; it depends on the chunking, which
    the same read of the same files reproduces.

    >>> t = pa.table({"a": [1, 2], "b": ["x", None]})
    >>> table_fingerprint(t) == table_fingerprint(pa.table({"a": [1, 2], "b": ["x", None]}))
    True
    >>> table_fingerprint(t) == table_fingerprint(t.select(["b", "a"]))
    False
    """
    h = xxhash.xxh3_128()
    for f, column in zip(table.schema, table.columns, strict=True):
        h.update(f"{f.name}\x00{f.type}\x00{_column_digest(column)}\n".encode())
    return f"{TABLE_HASH}:{h.hexdigest()}"
