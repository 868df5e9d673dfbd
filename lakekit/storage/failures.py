"""delta-rs failures as lakekit errors, translated here and nowhere else."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from deltalake.exceptions import CommitFailedError, DeltaError

from lakekit.errors import Conflict, LakekitError, masked


@contextlib.contextmanager
def engine(table: str, action: str) -> Iterator[None]:
    """A Rust panic inside delta-rs (pyo3's ``PanicException``, a ``BaseException`` that
    ``except Exception`` lets through) as a lakekit error naming the table."""
    try:
        yield
    except BaseException as e:
        if type(e).__name__ != "PanicException":
            raise
        raise LakekitError(f"cannot {action} '{table}': delta-rs failed ({masked(str(e))})") from None


@contextlib.contextmanager
def translated(table: str, action: str) -> Iterator[None]:
    """delta-rs errors as lakekit errors: a lost commit race as :class:`Conflict`."""
    try:
        yield
    except CommitFailedError:
        raise Conflict(f"concurrent commit on '{table}'") from None
    except DeltaError as e:
        raise LakekitError(f"cannot {action} '{table}': {masked(str(e))}") from None
