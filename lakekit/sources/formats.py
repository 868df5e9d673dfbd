"""Source files: fsspec URLs → fingerprints and streams of Arrow record batches.

Everything that touches a source file lives here. Errors name the file (and the line
where the format has lines) and never echo a value from the file: a malformed row may
hold personal data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from lakekit.core.fingerprint import CHUNK, sha256_chunks
from lakekit.core.results import SourceFile
from lakekit.errors import SourceError
from lakekit.sources.digest import Digest

Format = Literal["csv", "json", "ndjson", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "json", "ndjson", "parquet")
_EXTENSIONS: dict[str, Format] = {
    "csv": "csv", "tsv": "csv", "json": "json", "ndjson": "ndjson", "jsonl": "ndjson",
    "parquet": "parquet", "pq": "parquet",
}
_COMPRESSIONS = {"gz": "gzip", "gzip": "gzip", "zst": "zstd", "zstd": "zstd"}
_ETAG_PROTOCOLS = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "http", "https"}
BLOCK_SIZE = 1 << 20
NULLS = ("", "NULL", "null")
"""What an unquoted CSV field means as null: nothing else ("NA" is Namibia, "N/A" may be data)."""
_ROW = re.compile(r"Row #(\d+)")
_COLUMN = re.compile(r"column #(\d+)")
_CONVERSION = re.compile(r"conversion error to ([\w\[\], ]+?):")
_COLUMN_COUNT = re.compile(r"(Expected \d+ columns, got \d+)")


@dataclass(frozen=True)
class Source:
    """One resolved source file."""

    uri: str
    fs: Any
    path: str
    format: Format
    compression: str | None
    size: int

    @property
    def local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)


def fsspec_options(uri: str, storage_options: Mapping[str, str] | None) -> dict[str, Any]:
    """fsspec keyword arguments for ``uri`` from delta-rs style storage options.

    >>> fsspec_options("s3://b/k", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9000"})
    {'client_kwargs': {'endpoint_url': 'http://127.0.0.1:9000'}}
    """
    opts = {k.upper(): v for k, v in (storage_options or {}).items()}
    if not uri.startswith(("s3://", "s3a://")):
        return {}
    out: dict[str, Any] = {}
    client: dict[str, str] = {}
    if "AWS_ENDPOINT_URL" in opts:
        client["endpoint_url"] = opts["AWS_ENDPOINT_URL"]
    if "AWS_REGION" in opts:
        client["region_name"] = opts["AWS_REGION"]
    if client:
        out["client_kwargs"] = client
    if "AWS_ACCESS_KEY_ID" in opts:
        out["key"] = opts["AWS_ACCESS_KEY_ID"]
    if "AWS_SECRET_ACCESS_KEY" in opts:
        out["secret"] = opts["AWS_SECRET_ACCESS_KEY"]
    return out


def infer_format(uri: str) -> tuple[Format, str | None]:
    """(format, compression) from a file name.

    >>> infer_format("s3://b/users-2024.csv.gz")
    ('csv', 'gzip')
    """
    parts = uri.rsplit("/", 1)[-1].lower().split(".")
    compression = _COMPRESSIONS.get(parts[-1]) if len(parts) > 2 else None
    ext = parts[-2] if compression else parts[-1]
    if len(parts) < 2 or ext not in _EXTENSIONS:
        raise SourceError(uri, f"cannot tell the format from the name; pass format= one of {', '.join(FORMATS)}")
    return _EXTENSIONS[ext], compression


def resolve(
    source: str | Sequence[str],
    *,
    format: Format | None = None,
    storage_options: Mapping[str, str] | None = None,
) -> list[Source]:
    """Expand a path, glob or list of URLs into existing files, in a stable order."""
    uris = [source] if isinstance(source, str) else list(source)
    if not uris:
        raise SourceError("<none>", "no source files given")
    found: list[Source] = []
    for uri in uris:
        try:
            fs, path = fsspec.core.url_to_fs(uri, **fsspec_options(uri, storage_options))
        except (ImportError, ValueError) as e:
            raise SourceError(uri, f"unsupported URL ({type(e).__name__})") from None
        paths = _expand(fs, path, uri)
        for p in paths:
            full = p if "://" in p or isinstance(fs, LocalFileSystem) else fs.unstrip_protocol(p)
            fmt, compression = infer_format(p)
            found.append(Source(full, fs, p, format or fmt, compression, _size(fs, p, full)))
    return found


def _expand(fs: Any, path: str, uri: str) -> list[str]:
    try:
        if hasattr(fs, "invalidate_cache"):  # object stores cache listings: see files added since
            fs.invalidate_cache()
        if any(ch in path for ch in "*?["):
            paths = sorted(p for p in fs.glob(path) if fs.isfile(p))
            if not paths:
                raise SourceError(uri, "no files match this pattern")
            return paths
        if not fs.isfile(path):
            raise SourceError(uri, "file not found")
    except (OSError, ValueError) as e:
        raise SourceError(uri, f"cannot list ({type(e).__name__})") from None
    return [path]


def _size(fs: Any, path: str, uri: str) -> int:
    try:
        return int(fs.size(path))
    except (OSError, ValueError) as e:
        raise SourceError(uri, f"cannot read ({type(e).__name__})") from None


def stored_fingerprint(src: Source) -> SourceFile | None:
    """The file's identity as its store gives it without a read (the ETag), where it does."""
    protocol = src.uri.split("://", 1)[0] if "://" in src.uri else "file"
    etag = _etag(src) if protocol in _ETAG_PROTOCOLS else None
    return SourceFile(src.uri, src.size, f"etag:{etag}") if etag else None


def fingerprint(src: Source) -> SourceFile:
    """The file's identity: size and the SHA-256 of its bytes (a store's ETag where it has one)."""
    stored = stored_fingerprint(src)
    if stored is not None:
        return stored
    try:
        with src.fs.open(src.path, "rb") as f:
            checksum = sha256_chunks(iter(lambda: f.read(CHUNK), b""))
    except OSError as e:
        raise SourceError(src.uri, f"cannot read ({type(e).__name__})") from None
    return SourceFile(src.uri, src.size, checksum)


def _etag(src: Source) -> str | None:
    try:
        info = src.fs.info(src.path)
    except OSError:
        return None
    etag = info.get("ETag") or info.get("etag")
    return str(etag).strip('"') if etag else None


def _stream(src: Source, digest: Digest | None = None) -> pa.NativeFile:
    raw: pa.NativeFile
    try:
        if digest is not None:
            raw = pa.PythonFile(digest.wrap(src.fs.open(src.path, "rb")), mode="r")
        else:
            raw = pa.OSFile(src.path, "rb") if src.local else pa.PythonFile(src.fs.open(src.path, "rb"), mode="r")
    except OSError as e:
        raise SourceError(src.uri, f"cannot open ({type(e).__name__})") from None
    return pa.CompressedInputStream(raw, src.compression) if src.compression else raw


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
    match src.format:
        case "csv":
            return _read_csv(src, types, digest)
        case "ndjson":
            return _read_ndjson(src, types, digest)
        case "json":
            return _read_json_array(src, digest)
        case "parquet":
            return _read_parquet(src)


def _csv_options(src: Source, column_types: Mapping[str, pa.DataType] | None = None,
                 *, threads: bool = True) -> dict[str, Any]:
    delimiter = "\t" if src.path.lower().split(".")[-2 if src.compression else -1] == "tsv" else ","
    return {
        "read_options": pacsv.ReadOptions(block_size=BLOCK_SIZE, use_threads=threads),
        "parse_options": pacsv.ParseOptions(delimiter=delimiter),
        "convert_options": pacsv.ConvertOptions(column_types=column_types or {}, null_values=list(NULLS),
                                                strings_can_be_null=True, quoted_strings_can_be_null=False),
    }


def _as_table_types(inferred: pa.Schema, types: Mapping[str, pa.DataType] | None) -> dict[str, pa.DataType]:
    """The columns to read as the table's type rather than as inferred (see :func:`read`)."""
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


def _read_csv(src: Source, table_types: Mapping[str, pa.DataType] | None = None,
              digest: Digest | None = None) -> pa.RecordBatchReader:
    reader = _open_csv(src, None, digest)
    fixed = _as_table_types(reader.schema, table_types)
    types = {**{f.name: pa.string() for f in reader.schema if pa.types.is_null(f.type)}, **fixed}
    if types:
        reader = _open_csv(src, types, digest)
    return _guarded(src, reader, types)


def _read_ndjson(src: Source, table_types: Mapping[str, pa.DataType] | None = None,
                 digest: Digest | None = None) -> pa.RecordBatchReader:
    options = pajson.ReadOptions(block_size=BLOCK_SIZE)
    reader = pajson.open_json(_stream(src, digest), read_options=options)
    fixed = _as_table_types(reader.schema, table_types)
    if fixed:
        parse = pajson.ParseOptions(explicit_schema=pa.schema(list(fixed.items())), unexpected_field_behavior="infer")
        reader = pajson.open_json(_stream(src, digest), read_options=options, parse_options=parse)
    return _guarded(src, reader)


def _open_csv(src: Source, types: Mapping[str, pa.DataType] | None,
              digest: Digest | None = None) -> pacsv.CSVStreamingReader:
    try:
        return pacsv.open_csv(_stream(src, digest), **_csv_options(src, types))
    except pa.ArrowInvalid as e:
        raise _csv_error(src, e, types) from None


def _guarded(src: Source, reader: pa.RecordBatchReader,
             types: Mapping[str, pa.DataType] | None = None) -> pa.RecordBatchReader:
    """Re-raise the reader's errors as :class:`SourceError` without the offending value."""

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            if src.format == "csv":
                raise _csv_error(src, e, types) from None
            raise SourceError(src.uri, _scrub(str(e), reader.schema)) from None

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def _csv_error(src: Source, error: Exception, types: Mapping[str, pa.DataType] | None) -> SourceError:
    """Find the failing line by a single-threaded re-read (the threaded reader does not know it)."""
    message = str(error)
    if not _ROW.search(message):
        try:
            for _ in pacsv.open_csv(_stream(src), **_csv_options(src, types, threads=False)):
                pass
        except pa.ArrowInvalid as e:
            message = str(e)
    row = _ROW.search(message)
    line = int(row.group(1)) if row else None
    count = _COLUMN_COUNT.search(message)
    if count:
        return SourceError(src.uri, count.group(1).lower(), line=line)
    column, target = _COLUMN.search(message), _CONVERSION.search(message)
    if column and target:
        names = _csv_header(src)
        index = int(column.group(1))
        name = names[index] if index < len(names) else f"#{index}"
        return SourceError(
            src.uri, f"column '{name}': value is not a valid {target.group(1)} (type inferred from the first rows)",
            line=line)
    return SourceError(src.uri, "malformed CSV", line=line)


def _csv_header(src: Source) -> list[str]:
    try:
        return list(pacsv.open_csv(_stream(src), **_csv_options(src, threads=False)).schema.names)
    except pa.ArrowInvalid:
        return []


def _scrub(message: str, schema: pa.Schema) -> str:
    """An Arrow error message reduced to what names a place, never a value."""
    row = _ROW.search(message)
    names = [n for n in schema.names if f"'{n}'" in message or f"field {n}" in message]
    place = f"row {row.group(1)}" if row else "a row"
    column = f" column '{names[0]}'" if names else ""
    return f"malformed data at {place}{column}"


def _read_json_array(src: Source, digest: Digest | None = None) -> pa.RecordBatchReader:
    try:
        with _stream(src, digest) as stream:
            records = json.loads(b"".join(iter(lambda: stream.read(CHUNK), b"")))
    except json.JSONDecodeError as e:
        raise SourceError(src.uri, "invalid JSON", line=e.lineno) from None
    except UnicodeDecodeError:
        raise SourceError(src.uri, "not UTF-8 text") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SourceError(src.uri, "expected a JSON array of objects (use format='ndjson' for one object per line)")
    try:
        table = pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise SourceError(src.uri, f"mixed value types in field '{_mixed_field(records)}'") from None
    return table.to_reader(max_chunksize=65536)


def _mixed_field(records: list[dict[str, Any]]) -> str:
    for key in dict.fromkeys(k for r in records for k in r):
        try:
            pa.array([r.get(key) for r in records])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return str(key)
    return "?"


def _read_parquet(src: Source) -> pa.RecordBatchReader:
    try:
        handle = src.path if src.local and not src.compression else _stream(src)
        pf = pq.ParquetFile(handle)
    except (pa.ArrowInvalid, OSError):
        raise SourceError(src.uri, "not a readable Parquet file") from None
    return _guarded(src, pa.RecordBatchReader.from_batches(pf.schema_arrow, pf.iter_batches(batch_size=65536)))
