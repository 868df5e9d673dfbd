"""pyarrow filesystems for lake URIs: the one place delta-rs style storage options (``AWS_*``) become
pyarrow's own S3 filesystem, for the files lakekit reads and writes itself."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import fsspec
import pyarrow.fs as pafs

from lakekit.sources.formats import fsspec_options


def native(uri: str, options: Mapping[str, str]) -> tuple[pafs.FileSystem, str] | None:
    """pyarrow's own filesystem for ``uri`` and the path of ``uri`` in it, where it has one (a local
    path, ``file://``, ``s3://``); None otherwise.

    >>> fs, path = native("file:///tmp/lake", {})
    >>> type(fs).__name__, path
    ('LocalFileSystem', '/tmp/lake')
    """
    if "://" not in uri or uri.startswith("file://"):
        return pafs.LocalFileSystem(), str(Path(uri.removeprefix("file://")).absolute())
    if uri.startswith(("s3://", "s3a://")):
        opts = {k.upper(): v for k, v in options.items()}
        endpoint = opts.get("AWS_ENDPOINT_URL", "")
        s3 = pafs.S3FileSystem(
            access_key=opts.get("AWS_ACCESS_KEY_ID"), secret_key=opts.get("AWS_SECRET_ACCESS_KEY"),
            session_token=opts.get("AWS_SESSION_TOKEN"), region=opts.get("AWS_REGION"),
            endpoint_override=endpoint.split("://", 1)[-1] or None,
            scheme="http" if endpoint.startswith("http://") else "https",
        )
        return s3, uri.split("://", 1)[1]
    return None


def resolve(uri: str, options: Mapping[str, str]) -> tuple[pafs.FileSystem, str, bool]:
    """(filesystem, path of ``uri`` in it, whether it is local) for any URI fsspec knows: pyarrow's
    own filesystem where it has one, fsspec's wrapped otherwise."""
    found = native(uri, options)
    if found is not None:
        return found[0], found[1], isinstance(found[0], pafs.LocalFileSystem)
    fs, root = fsspec.core.url_to_fs(uri, **fsspec_options(uri, options))
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), root, False
