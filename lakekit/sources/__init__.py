"""Source files: fsspec URLs → fingerprints and streams of Arrow record batches."""

from lakekit.sources.batches import BLOCK_SIZE
from lakekit.sources.csvfiles import NULLS
from lakekit.sources.formats import FORMATS, Format, Source, fingerprint, fsspec_options, infer_format, resolve
from lakekit.sources.reader import read

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
