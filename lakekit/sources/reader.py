"""One source file → a stream of Arrow record batches, by its format.

Every reader refuses a file it cannot load faithfully before its first batch where it can
(empty, no columns, column names :mod:`lakekit.sources.columns` refuses), and raises
:class:`~lakekit.errors.SourceError` naming the file (and line or row) otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from lakekit.errors import SourceError
from lakekit.sources import columns
from lakekit.sources.batches import guarded
from lakekit.sources.csvfiles import read_csv
from lakekit.sources.digest import Digest
from lakekit.sources.formats import Source, open_stream
from lakekit.sources.jsonfiles import read_json_array, read_ndjson


def digests(src: Source) -> bool:
    """Whether :func:`read` can hash the file while parsing it (Parquet is read out of order)."""
    return src.format != "parquet"


def read(src: Source, types: Mapping[str, pa.DataType] | None = None,
         digest: Digest | None = None) -> pa.RecordBatchReader:
    """A stream of record batches from one file, with errors that name the file and line.

    ``types`` are the column types of the table the file goes into. Text formats infer a
    column's type from its values; where that does not give the table's type but the text
    can be read as it (an all-empty column, a string column whose values look like numbers,
    bools or dates, timestamps written as JSON strings), the column is read as the table's type.
    ``digest``, where :func:`digests` allows it, hashes the bytes as they are parsed.
    """
    if src.size == 0:
        raise SourceError(src.uri, "empty file")
    match src.format:
        case "csv":
            return read_csv(src, types, digest)
        case "ndjson":
            return read_ndjson(src, types, digest)
        case "json":
            return read_json_array(src, digest)
        case "parquet":
            return _read_parquet(src)


def _read_parquet(src: Source) -> pa.RecordBatchReader:
    try:
        if src.compression:  # Parquet is read out of order: a decompressed stream cannot seek
            with open_stream(src) as stream:
                handle: str | pa.NativeFile = pa.BufferReader(stream.read())
        else:
            handle = src.path if src.local else open_stream(src)
        pf = pq.ParquetFile(handle)
        schema = pf.schema_arrow
    except (pa.ArrowException, OSError, UnicodeDecodeError):  # a name in the footer that is not UTF-8
        raise SourceError(src.uri, "not a readable Parquet file") from None
    columns.check(src.uri, schema)
    return guarded(src, pa.RecordBatchReader.from_batches(schema, pf.iter_batches(batch_size=65536)),
                   lambda error: SourceError(src.uri, "corrupt Parquet data"))
