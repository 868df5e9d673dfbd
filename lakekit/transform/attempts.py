"""Each transform run recorded when it ends: when it started and ended, and how.

The commit is the record of what a transform made (``_lakekit/transforms``); it cannot hold when
the run started, nor a run that never committed. So every run that ends leaves one row in
``_lakekit/transform_runs`` (written through the journal, :func:`lakekit.write.indexes.note`):
``finished`` with the transform id of its commit (an UPDATE or DELETE that picked no row made
none: no commit carries its id) and the input versions it read, or ``failed``
with the type of the error (never its message: a message can quote a value) and the input
versions it had pinned: rows failing a
rejecting check, a conflict retried too often, an engine or system error. A statement refused
as given (:data:`REFUSED`: bad SQL, an unknown table or column, a bad option) never ran: it
leaves the lake as it was, no row. A run skipped as unchanged made nothing and is not recorded.
A process killed mid-run leaves no row: a commit it made is still in ``_lakekit/transforms`` (its
OpenLineage run then starts at its commit time), a failure it met is lost with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lakekit.core.results import TransformResult, TransformStatus
from lakekit.errors import NotFound, SqlError, UsageError
from lakekit.index import metadata
from lakekit.index.provenance import new_id, now
from lakekit.storage.delta import Storage
from lakekit.write import indexes

REFUSED: tuple[type[Exception], ...] = (UsageError, NotFound, SqlError)
"""The errors of a statement refused as given, before it ran: not a failed run."""


@dataclass
class Attempt:
    """One transform run under way: when it started, the input versions once pinned."""

    storage: Storage
    target: str
    sql: str
    dialect: str
    started: datetime = field(default_factory=now)
    inputs: Mapping[str, int] | None = None
    """Set by the transform once it has pinned its inputs: a failure after that names them."""

    def done(self, result: TransformResult) -> TransformResult:
        """Record ``result`` (a commit: ``finished``; skipped as unchanged: nothing) and return it."""
        if not result.skipped and result.transform_id is not None:
            self._note(result.transform_id, "finished", None, result.inputs)
        return result

    def _note(self, transform_id: str, status: TransformStatus, error: str | None,
              inputs: Mapping[str, int] | None) -> None:
        row: dict[str, Any] = {"transform_id": transform_id, "table": self.target, "status": status, "error": error,
                               "sql": self.sql, "dialect": self.dialect,
                               "inputs": dict(inputs) if inputs is not None else None,
                               "started_at": self.started, "ended_at": now()}
        indexes.note(self.storage, "transform_runs", metadata.rows("transform_runs", [row]))


@contextlib.contextmanager
def recorded(storage: Storage, target: str, sql: str, dialect: str) -> Iterator[Attempt]:
    """The block runs one transform into ``target`` and hands its result to :meth:`Attempt.done`;
    an error raised in the block (but a refusal, :data:`REFUSED`) is recorded as ``failed``, with
    the inputs pinned by then, and raised again."""
    attempt = Attempt(storage, target, sql, dialect)
    try:
        yield attempt
    except REFUSED:
        raise
    except Exception as e:
        attempt._note(new_id(), "failed", type(e).__name__, attempt.inputs)
        raise
