"""Source files: fsspec URLs → the files meant, their formats, fingerprints and bytes.

Errors name the file and never echo a value from it: a malformed row may hold personal data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import fsspec
import pyarrow as pa
from fsspec.implementations.local import LocalFileSystem

from lakekit.core.fingerprint import CHUNK, sha256_chunks
from lakekit.core.names import shown
from lakekit.core.results import SourceFile
from lakekit.errors import SourceError, UsageError
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
            fmt, compression = infer_format(p) if format is None else _given(p, format)
            found.append(Source(full, fs, p, fmt, compression, _size(fs, p, full)))
    return found


def _given(path: str, format: str) -> tuple[Format, str | None]:
    """The format a caller named (any case), and the compression the file's name tells."""
    name = format.lower()
    if name not in FORMATS:
        raise UsageError(f"unknown format {shown(format)}; one of {', '.join(FORMATS)}")
    parts = path.rsplit("/", 1)[-1].lower().split(".")
    return cast(Format, name), _COMPRESSIONS.get(parts[-1]) if len(parts) > 1 else None


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


def open_stream(src: Source, digest: Digest | None = None) -> pa.NativeFile:
    """The file's bytes, decompressed; ``digest`` hashes them as they are read."""
    raw: pa.NativeFile
    try:
        if digest is not None:
            raw = pa.PythonFile(digest.wrap(src.fs.open(src.path, "rb")), mode="r")
        else:
            raw = pa.OSFile(src.path, "rb") if src.local else pa.PythonFile(src.fs.open(src.path, "rb"), mode="r")
    except OSError as e:
        raise SourceError(src.uri, f"cannot open ({type(e).__name__})") from None
    return pa.CompressedInputStream(raw, src.compression) if src.compression else raw
