"""The lake root and where each table lives under it.

A root is a local folder (``file://`` or a path), an object store URI (``s3://…``) or a
``memory://`` name; a table ``ns.name`` lives in ``<root>/ns/name`` (:mod:`lakekit.core.names`
makes every valid name a plain folder name).
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

from lakekit.core import names
from lakekit.errors import UsageError

_MEMORY_ROOTS: dict[str, str] = {}


def normalise_root(root: str | Path) -> str:
    """A root URI delta-rs and fsspec both understand.

    ``memory://`` lakes live for the process in a private temporary folder: delta-rs keeps
    no in-memory store between table handles.
    """
    text = str(root)
    if text.startswith("memory://"):
        if text not in _MEMORY_ROOTS:
            folder = tempfile.mkdtemp(prefix="lakekit-memory-")
            atexit.register(shutil.rmtree, folder, True)
            _MEMORY_ROOTS[text] = folder
        return _MEMORY_ROOTS[text]
    if text.startswith("file://"):
        text = text.removeprefix("file://")
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        check_root(str(path))
        return str(path)
    check_root(text)
    return text.rstrip("/")


_UNUSABLE = re.compile(r"[\[\]^|?#\\\x00-\x1f]|%[0-9A-Fa-f]{2}")


def check_root(path: str) -> None:
    """Refuse a lake root delta-rs cannot address: it panics on ``[ ] ^ |`` in a local path,
    decodes ``%XX`` escapes and backslashes into other paths than the one given, and reads a
    table's history as empty under a root holding ``?`` or ``#`` (a URL's query and fragment)."""
    if _UNUSABLE.search(path):
        raise UsageError(f"the lake root {names.shown(path)} holds a character delta-rs cannot use in a path "
                         "([ ] ^ | ? # \\ control characters or a %XX escape): choose another folder")


def table_folder(table: str) -> str:
    """Where a table lives under the lake root: ``ns.name`` → ``ns/name``."""
    return "/".join(split_name(table))


def glob_escape(path: str) -> str:
    """``path`` with glob's special characters taken literally.

    >>> glob_escape("/lakes/[a]?*")
    '/lakes/[[]a[]][?][*]'
    """
    return "".join(f"[{ch}]" if ch in "[]?*" else ch for ch in path)


def split_name(table: str) -> tuple[str, str]:
    """``"ns.name"`` → ``("ns", "name")``; a name outside :mod:`lakekit.core.names`'s grammar is refused."""
    return names.check(table)
