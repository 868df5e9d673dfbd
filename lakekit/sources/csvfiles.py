"""CSV (and TSV) sources → Arrow batches, streamed in blocks of :data:`~lakekit.sources.batches.BLOCK_SIZE`.

Types are inferred from the first block; a later value that does not fit fails the load with
its line. A column of integers holding one beyond the 64-bit range (which the reader would
round into ``double``) and a column that is not UTF-8 text (which it would load as bytes) are
refused rather than loaded changed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from lakekit.errors import SourceError
from lakekit.sources import columns
from lakekit.sources.batches import BLOCK_SIZE, INT64, failure, guarded, table_types, wide_integers
from lakekit.sources.digest import Digest
from lakekit.sources.formats import Source, open_stream

NULLS = ("", "NULL", "null")
"""What an unquoted CSV field means as null: nothing else ("NA" is Namibia, "N/A" may be data)."""
_ROW = re.compile(r"Row #(\d+)")
_COLUMN = re.compile(r"column #(\d+)")
_CONVERSION = re.compile(r"conversion error to ([\w\[\], ]+?):")
_COLUMN_COUNT = re.compile(r"(Expected \d+ columns, got \d+)")
_INTEGER = re.compile(r"\s*[-+]?\d+\s*")


def read_csv(src: Source, table: Mapping[str, pa.DataType] | None = None,
             digest: Digest | None = None) -> pa.RecordBatchReader:
    """The rows of one CSV file; ``table`` holds the column types of the table it goes into;
    ``digest`` hashes the bytes parsed."""
    # The header and inferred types come from a reader of their own, without the digest: a refused
    # reader over the digest's Python file may still be reading ahead when dropped, and a thread
    # of Arrow's that frees it at exit needs the GIL, which aborts the interpreter.
    start = _start(src)
    if start.startswith(b"PAR1"):
        raise SourceError(src.uri, "the file starts as Parquet does, not as text (is the format right?)")
    if start.removeprefix(b"\xef\xbb\xbf").startswith((b"\n", b"\r")):
        raise SourceError(src.uri, "the first line, the header, is empty", line=1)
    head = _head(src)
    schema = head.schema
    head.close()
    columns.check(src.uri, schema)
    if binary := [f.name for f in schema if pa.types.is_binary(f.type)]:
        raise SourceError(src.uri, f"column '{binary[0]}' is not UTF-8 text")
    types = {**{f.name: pa.string() for f in schema if pa.types.is_null(f.type)}, **table_types(schema, table)}
    reader = _open(src, types, digest)

    def explain(error: Exception) -> SourceError:
        return _located(src, error, types)

    checked: set[str] = set()

    def check(batch: pa.RecordBatch, before: int) -> None:
        for name in set(wide_integers(batch)) - checked:
            _refuse_wide_integers(src, name, types)
            checked.add(name)

    return guarded(src, reader, explain, check)


def _options(src: Source, column_types: Mapping[str, pa.DataType] | None = None, *, threads: bool = True,
             only: list[str] | None = None) -> dict[str, Any]:
    delimiter = "\t" if src.path.lower().split(".")[-2 if src.compression else -1] == "tsv" else ","
    return {
        "read_options": pacsv.ReadOptions(block_size=BLOCK_SIZE, use_threads=threads),
        "parse_options": pacsv.ParseOptions(delimiter=delimiter),
        "convert_options": pacsv.ConvertOptions(column_types=column_types or {}, null_values=list(NULLS),
                                                strings_can_be_null=True, quoted_strings_can_be_null=False,
                                                include_columns=only or []),
    }


def _head(src: Source) -> pacsv.CSVStreamingReader:
    """A reader of the file as it is, for its header and the types of its first block."""
    try:
        try:
            return pacsv.open_csv(open_stream(src), **_options(src, threads=False))  # one block, no read-ahead
        except pa.ArrowInvalid as e:
            if "Empty CSV file" not in str(e) or (header := _lone_header(src)) is None:
                raise
            return pacsv.open_csv(pa.BufferReader(header), **_options(src))
    except (pa.ArrowException, OSError) as e:
        raise failure(src, e, lambda error: _located(src, error, None)) from None


def _open(src: Source, types: Mapping[str, pa.DataType], digest: Digest | None) -> pacsv.CSVStreamingReader:
    """The reader of the rows: the file's bytes through ``digest``, ending with a line break (Arrow's
    reader takes an empty last field of an unterminated last line for a quoted one, ``""`` instead
    of null, when the field before it was quoted): through :class:`_LineEnd` unless it is known to
    end with one."""
    raw = open_stream(src, digest)
    stream = raw if _ends_with_line_break(src) else pa.PythonFile(_LineEnd(raw), mode="r")
    try:
        return pacsv.open_csv(stream, **_options(src, types))
    except (pa.ArrowException, OSError) as e:
        stream.close()
        raise failure(src, e, lambda error: _located(src, error, types)) from None


class _LineEnd(io.RawIOBase):
    """``inner``, with a line break added to its last block when it does not end with one; a block
    is read ahead to know which is the last (the reader wants the line break in the same block)."""

    def __init__(self, inner: pa.NativeFile) -> None:
        super().__init__()
        self._inner = inner
        self._next: pa.Buffer | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes | pa.Buffer:  # Arrow's buffers, as digest._Hashing does
        amount = size if size is not None and size >= 0 else None
        data = self._inner.read_buffer(amount) if self._next is None else self._next
        self._next = self._inner.read_buffer(amount) if data.size else data
        if data.size and not self._next.size and bytes(memoryview(data)[-1:]) not in (b"\n", b"\r"):
            return data.to_pybytes() + b"\n"
        return data

    def readinto(self, buffer: Any) -> int:
        data = memoryview(self.read(len(buffer))).cast("B")  # an Arrow buffer's bytes are signed
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def _ends_with_line_break(src: Source) -> bool:
    """Whether a local, uncompressed file ends with a line break, from its last byte: such a file
    needs no :class:`_LineEnd` (and its bytes reach the reader without another Python layer)."""
    if src.compression or not src.local or src.size == 0:
        return False
    try:
        with Path(src.path).open("rb") as f:
            f.seek(src.size - 1)
            return f.read(1) in (b"\n", b"\r")
    except OSError:  # the reader says what is wrong with the file
        return False


def _start(src: Source) -> bytes:
    """The file's first bytes: a file starting with an empty line would have its next line, a row,
    taken for the header; one starting with Parquet's magic number is no CSV."""
    try:
        with open_stream(src) as stream:
            return stream.read(8)
    except (pa.ArrowException, OSError):  # the reader says what is wrong with the file
        return b""


def _lone_header(src: Source) -> bytes | None:
    """A file that is one header line without a line break (the reader takes it for an empty
    file), with the line break; None for any other file."""
    with open_stream(src) as stream:
        data = stream.read(BLOCK_SIZE)
    return data + b"\n" if data.strip() and b"\n" not in data and b"\r" not in data else None


def _refuse_wide_integers(src: Source, column: str, types: Mapping[str, pa.DataType]) -> None:
    """Read ``column`` again as text (a rare path: a ``double`` column past 2⁶³) and refuse the
    file when one of its values is an integer beyond the 64-bit range."""
    text = {**types, column: pa.string()}
    rows = 0
    try:
        for batch in pacsv.open_csv(open_stream(src), **_options(src, text, threads=False, only=[column])):
            for offset, value in enumerate(batch.column(0).to_pylist()):
                if value is not None and _INTEGER.fullmatch(value) and not -INT64 <= int(value) < INT64:
                    raise SourceError(src.uri, f"column '{column}': row {rows + offset + 1} holds an integer "
                                               "beyond the 64-bit range")
            rows += batch.num_rows
    except (pa.ArrowException, OSError) as e:
        raise failure(src, e, lambda error: _located(src, error, types)) from None


def _located(src: Source, error: Exception, types: Mapping[str, pa.DataType] | None) -> SourceError:
    """Find the failing line by a single-threaded re-read (the threaded reader does not know it)."""
    message = str(error)
    if not _ROW.search(message):
        try:
            for _ in pacsv.open_csv(open_stream(src), **_options(src, types, threads=False)):
                pass
        except pa.ArrowInvalid as e:
            message = str(e)
        except (pa.ArrowException, OSError) as e:
            return failure(src, e)
    row = _ROW.search(message)
    line = int(row.group(1)) if row else None
    count = _COLUMN_COUNT.search(message)
    if count:
        return SourceError(src.uri, count.group(1).lower(), line=line)
    column, target = _COLUMN.search(message), _CONVERSION.search(message)
    if column and target:
        names = _header(src)
        index = int(column.group(1))
        name = names[index] if index < len(names) else f"#{index}"
        return SourceError(
            src.uri, f"column '{name}': value is not a valid {target.group(1)} (type inferred from the first rows)",
            line=line)
    return SourceError(src.uri, "malformed CSV", line=line)


def _header(src: Source) -> list[str]:
    try:
        return list(pacsv.open_csv(open_stream(src), **_options(src, threads=False)).schema.names)
    except (pa.ArrowException, OSError):
        return []
