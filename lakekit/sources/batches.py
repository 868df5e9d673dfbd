"""What every reader of a source file shares: the batches it streams, checked on their way out,
and its errors as one line naming the file (and the line or row where the reader knows it),
never a value from it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.errors import SourceError
from lakekit.sources.formats import Source

BLOCK_SIZE = 1 << 20
"""Bytes a reader parses at a time: also the longest row (CSV) or line (NDJSON) it can read."""
INT64 = 2**63
_ROW = re.compile(r"[Rr]ow #?(\d+)")
_STRADDLING = "straddling object"
Explain = Callable[[Exception], SourceError]


def failure(src: Source, error: Exception, explain: Explain | None = None) -> SourceError:
    """A reader's failure as one line: a broken compressed stream, a row past the block size, an
    empty file; else what ``explain`` (the format's own reading of the message) or
    :func:`scrubbed` makes of it."""
    message = str(error)
    if isinstance(error, OSError) and not isinstance(error, pa.ArrowException | FileNotFoundError):
        if src.compression:
            return SourceError(src.uri, f"cannot decompress: corrupt or truncated {src.compression} data")
        return SourceError(src.uri, f"cannot read ({type(error).__name__})")
    if _STRADDLING in message:
        what = "row" if src.format == "csv" else "line"
        return SourceError(src.uri, f"a {what} longer than {BLOCK_SIZE >> 20} MiB (the reader's block)")
    if "Empty CSV file" in message or "Empty JSON stream" in message:
        return SourceError(src.uri, "empty: no header or records")
    if isinstance(error, OSError) and src.compression:
        return SourceError(src.uri, f"cannot decompress: corrupt or truncated {src.compression} data")
    return explain(error) if explain is not None else SourceError(src.uri, scrubbed(message))


def scrubbed(message: str, schema: pa.Schema | None = None) -> str:
    """An Arrow error message reduced to what names a place, never a value."""
    row = _ROW.search(message)
    names = [n for n in (schema.names if schema is not None else []) if f"'{n}'" in message or f"/{n})" in message]
    place = f"row {row.group(1)}" if row else "a row"
    column = f" column '{names[0]}'" if names else ""
    return f"malformed data at {place}{column}"


def guarded(src: Source, reader: pa.RecordBatchReader, explain: Explain | None = None,
            check: Callable[[pa.RecordBatch, int], None] | None = None,
            finish: Callable[[], None] | None = None) -> pa.RecordBatchReader:
    """``reader``'s batches, each passed to ``check`` (with the rows before it), then ``finish``
    called; its errors raised as :class:`SourceError` (see :func:`failure`)."""

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        try:
            for batch in reader:
                if check is not None:
                    check(batch, rows)
                rows += batch.num_rows
                yield batch
        except (pa.ArrowException, OSError) as e:
            if finish is not None:
                finish()
            raise failure(src, e, explain) from None
        finally:  # whatever ends the stream ends the reader's threads with it
            reader.close()
        if finish is not None:
            finish()

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def wide_integers(batch: pa.RecordBatch) -> list[str]:
    """Floating columns of ``batch`` holding a whole number beyond the 64-bit range: a text reader
    infers ``double`` for a column of integers when one does not fit ``int64``, and would round it."""
    found = []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if not pa.types.is_floating(field.type) or column.null_count == len(column):
            continue
        low, high = (v.as_py() for v in pc.min_max(column).values())  # one pass, NaN left out
        if low is None or -INT64 < low <= high < INT64:
            continue
        big = pc.max(pc.abs(pc.if_else(pc.is_finite(column), column, 0.0))).as_py()  # an infinity is no integer
        if big is not None and big >= INT64:
            found.append(field.name)
    return found


def table_types(inferred: pa.Schema, types: Mapping[str, pa.DataType] | None) -> dict[str, pa.DataType]:
    """The columns a text reader should read as the table's type rather than as it inferred them
    (an all-empty column, a string column whose values look like numbers, bools or dates,
    timestamps written as JSON strings)."""
    out = {}
    for f in inferred:
        want = (types or {}).get(f.name)
        if want is None or f.type == want:
            continue
        as_text = pa.types.is_string(want) or pa.types.is_null(f.type)
        if as_text or (pa.types.is_timestamp(want) and not (pa.types.is_timestamp(f.type) and f.type.tz == want.tz)
                       and (pa.types.is_string(f.type) or pa.types.is_timestamp(f.type))):
            out[f.name] = want
    return out
