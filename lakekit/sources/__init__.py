"""Source files: fsspec URLs → fingerprints and streams of Arrow record batches."""

from lakekit.sources.digest import Digest
from lakekit.sources.formats import (
    BLOCK_SIZE,
    FORMATS,
    NULLS,
    Format,
    Source,
    digests,
    fingerprint,
    fsspec_options,
    infer_format,
    read,
    resolve,
    stored_fingerprint,
)

__all__ = [
    "BLOCK_SIZE",
    "FORMATS",
    "NULLS",
    "Digest",
    "Format",
    "Source",
    "digests",
    "fingerprint",
    "fsspec_options",
    "infer_format",
    "read",
    "resolve",
    "stored_fingerprint",
]
