"""Source files: fsspec URLs → fingerprints and streams of Arrow record batches."""

from lakekit.sources.formats import (
    BLOCK_SIZE,
    FORMATS,
    NULLS,
    Format,
    Source,
    fingerprint,
    fsspec_options,
    infer_format,
    read,
    resolve,
)

__all__ = [
    "BLOCK_SIZE",
    "FORMATS",
    "NULLS",
    "Format",
    "Source",
    "fingerprint",
    "fsspec_options",
    "infer_format",
    "read",
    "resolve",
]
