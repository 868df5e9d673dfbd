"""The one way lakekit commits to a table: exactly once, with bounded, jittered retries.

Every commit lakekit makes (a load, a transform, a run's write, index rows, quarantined rows)
follows one protocol:

1. open the table's latest snapshot (``None`` while the table does not exist);
2. call the writer's ``attempt`` with it. The attempt first asks the snapshot whether its work is
   already there (an app transaction of the write, committed by an earlier try or by another
   process) and if so returns what that commit did; otherwise it commits on top of exactly this
   snapshot (``Commit(exclusive=True)``: no silent rebase onto a newer version), so the check
   and the commit are one atomic step;
3. when another writer committed first, the attempt raises :class:`~lakekit.errors.Conflict`:
   wait a jittered delay that grows with each loss (:class:`RetryPolicy`) and go back to 1 with a
   fresh snapshot. After :attr:`RetryPolicy.attempts` losses, raise
   :class:`~lakekit.errors.TooManyConflicts` (itself :class:`~lakekit.errors.Transient`: the
   caller may try the whole call again later).

A crash anywhere leaves the table at its last commit; calling the writer again finds its work
in the snapshot (step 2) or does it, once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from deltalake import DeltaTable

from lakekit.errors import Conflict, TableNotFound, TooManyConflicts, UsageError
from lakekit.storage.delta import Storage

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a writer tries again after losing to another writer.

    The delay before try ``n + 1`` is uniform in ``[0, min(max_delay, first_delay * 2**n)]``
    ("full jitter"): writers that collided once spread out instead of colliding again in step.
    """

    attempts: int = 30
    first_delay: float = 0.005
    max_delay: float = 0.25

    def delay(self, lost: int) -> float:
        """Seconds to wait after the ``lost``-th lost attempt (0-based)."""
        return random.uniform(0.0, min(self.max_delay, self.first_delay * 2.0 ** lost))


POLICY = RetryPolicy()
"""The policy of every write path."""


def commit_once(storage: Storage, table: str, attempt: Callable[[DeltaTable | None], T], *,
                kept: bool = False, policy: RetryPolicy = POLICY) -> T:
    """Call ``attempt`` on the latest snapshot of ``table`` until it returns without a
    :class:`~lakekit.errors.Conflict`; see the module's docstring for what ``attempt`` must do.

    ``kept`` reads the snapshot through the handle this thread keeps for lakekit's index
    tables (:meth:`Storage.latest`) instead of opening the table anew.
    """
    if storage.is_pinned(table):
        raise UsageError(f"'{table}' is read as one snapshot here (Lake.reading): write to it outside that block")
    for lost in range(policy.attempts):
        try:
            base: DeltaTable | None = storage.latest(table) if kept else storage.open(table)
        except TableNotFound:
            base = None
        try:
            return attempt(base)
        except Conflict:
            if lost + 1 < policy.attempts:
                time.sleep(policy.delay(lost))
    raise TooManyConflicts(table, policy.attempts)
