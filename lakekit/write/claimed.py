"""The key values a load has claimed so far, for uniqueness across the table as it will be.

Keys are kept in sorted runs searched by bisection, behind a bit filter; see :class:`Claimed`.
"""

from __future__ import annotations

from typing import Any

import polars as pl

MERGE = 8
"""How many sorted runs of claimed keys of one size merge into one."""


class Claimed:
    """The key values already claimed: sorted runs searched by bisection, behind a filter.

    A batch whose keys all lie outside the range of the claimed ones (increasing ids or
    timestamps) needs no search at all. Otherwise a filter with one bit per slot, set at each
    claimed key's hash, clears most keys at once: only keys whose slot is set (true
    duplicates, and about one in thirty others) are searched in the runs. The filter keeps at
    least 32 slots per key and is rebuilt twice as large when it fills; it is brought up to
    date only when a search needs it. Claimed keys are sorted into a run only then too, and
    every ``MERGE`` runs of similar size merge into one, so a load of n keys in batches of b
    sorts each key about log_MERGE(n / b) times.
    """

    def __init__(self) -> None:
        self.runs: list[pl.Series] = []
        self.pending: list[pl.Series] = []
        self.unfiltered: list[pl.Series] = []
        self.null = False
        self.keys = 0
        self.low: Any = None
        self.high: Any = None
        self.slots = pl.Series([False])

    def add(self, values: pl.Series) -> None:
        self.null = self.null or values.null_count() > 0
        values = values.drop_nulls()
        if values.is_empty():
            return
        self.pending.append(values)
        self.unfiltered.append(values)
        self.keys += len(values)
        if not values.dtype.is_nested():
            low, high = values.min(), values.max()
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)

    def _slot(self, values: pl.Series) -> pl.Series:
        return values.hash(seed=0) % len(self.slots)

    def _filter(self) -> pl.Series:
        if self.keys * 32 > len(self.slots):
            size = 1 << max(20, (self.keys * 32 - 1).bit_length())
            self.slots = pl.Series([False]).extend_constant(False, size - 1)
            self.unfiltered = [*self.runs, *self.pending]
        if self.unfiltered:
            self.slots.scatter(self._slot(pl.concat(self.unfiltered)), True)
            self.unfiltered = []
        return self.slots

    def _settle(self) -> None:
        if not self.pending:
            return
        self.runs.append(pl.concat(self.pending).sort())
        self.pending = []
        while len(self.runs) >= MERGE and len(self.runs[-MERGE]) <= 2 * len(self.runs[-1]):
            merged = pl.concat(self.runs[-MERGE:]).sort()
            self.runs[-MERGE:] = [merged]

    def _apart(self, values: pl.Series) -> bool:
        """Whether no value of ``values`` can lie within the range of the claimed keys."""
        if self.keys == 0:
            return True
        if values.dtype.is_nested():
            return False
        low, high = values.min(), values.max()
        return low is None or bool(high < self.low or low > self.high)

    def contains(self, values: pl.Series) -> pl.Series:
        hit = values.is_null() & self.null
        if self._apart(values):
            return hit
        where = (self._filter().gather(self._slot(values)) & values.is_not_null()).arg_true()
        if where.is_empty():
            return hit
        self._settle()
        candidates = values.gather(where)
        order = candidates.arg_sort()
        candidates, where = candidates.gather(order), where.gather(order)
        found = pl.repeat(False, len(candidates), eager=True)
        for run in self.runs:
            at = run.search_sorted(candidates).clip(0, len(run) - 1)
            found = found | (run.gather(at) == candidates).fill_null(False)
        return hit.scatter(where.filter(found), True)
