"""Who and what made a commit: user, host, lakekit and Python versions, the caller's git commit.

Read once per process; the git commit is the working directory's (the caller's code),
with ``git_dirty`` when it has uncommitted changes.
"""

from __future__ import annotations

import functools
import getpass
import platform
import secrets
import socket
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

_PACKAGES = ("deltalake", "pyarrow", "polars", "pandera", "sqlglot", "duckdb")


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@functools.cache
def environment() -> dict[str, Any]:
    """The process's provenance, as JSON-ready values."""
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no")) if commit else None
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {
        "lakekit_version": _package("lakekit") or "0",
        "git_commit": commit,
        "git_dirty": dirty,
        "user": user,
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "packages": {p: _package(p) for p in _PACKAGES},
    }


def new_id() -> str:
    """A new id for a write or a run: the UTC time to the microsecond, then 4 random hex digits.

    Ids made later sort later (to the clock's resolution), so sorting load, transform or run
    ids orders them in time; the random suffix keeps apart ids made in the same microsecond
    by two processes.

    >>> a = new_id(); b = new_id(); a < b or a[:23] == b[:23]
    True
    """
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(2)}"


def now() -> datetime:
    """The current time, UTC, microsecond precision (what Delta stores)."""
    return datetime.now(UTC)
