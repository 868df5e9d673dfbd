"""Source files: fsspec URLs → fingerprints and streams of Arrow record batches."""

from lakekit.sources.batches import BLOCK_SIZE
from lakekit.sources.csvfiles import NULLS
from lakekit.sources.digest import Digest
from lakekit.sources.formats import (
    FORMATS,
    Format,
    Source,
    fingerprint,
    fsspec_options,
    infer_format,
    resolve,
    stored_fingerprint,
)
from lakekit.sources.reader import digests, read

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
