"""Row differences between two versions of a table. Pure: Arrow tables in, counts out.

With keys, a row is identified by its key values: ``added`` keys are new, ``removed`` keys
are gone, ``changed`` keys are in both with any other compared value different (nulls
compare equal). Without keys, rows are compared whole as a multiset and nothing counts as
changed. Columns lakekit adds (``_load_id``…) and columns only one side has are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from lakekit.core.results import RowDiff

if TYPE_CHECKING:
    import polars as pl


def _frame(table: pa.Table, columns: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    frame = pl.from_arrow(table.select(list(columns)))
    assert isinstance(frame, pl.DataFrame)
    return frame


def diff_rows(old: pa.Table, new: pa.Table, keys: Sequence[str] = ()) -> RowDiff:
    """How ``new`` differs from ``old``.

    >>> old = pa.table({"id": [1, 2, 3], "v": ["a", "b", "c"]})
    >>> new = pa.table({"id": [2, 3, 4], "v": ["b", "x", "d"]})
    >>> d = diff_rows(old, new, ["id"]); (d.added, d.removed, d.changed)
    (1, 1, 1)
    >>> d = diff_rows(old, new); (d.added, d.removed, d.changed)
    (2, 2, 0)
    """
    import polars as pl

    common = [c for c in new.column_names if c in old.column_names and not c.startswith("_")]
    if not keys:
        counts = [_frame(t, common).group_by(common).len(name=side) for t, side in ((old, "old"), (new, "new"))]
        both = counts[0].join(counts[1], on=common, how="full", coalesce=True, nulls_equal=True).fill_null(0)
        delta = both.select((pl.col("new").cast(pl.Int64) - pl.col("old").cast(pl.Int64)).alias("d"))["d"]
        return RowDiff(int(delta.clip(lower_bound=0).sum()), int((-delta).clip(lower_bound=0).sum()), 0, ())
    values = [c for c in common if c not in keys]
    a, b = _frame(old, common), _frame(new, common)
    joined = a.join(b, on=list(keys), how="full", coalesce=False, nulls_equal=True, suffix="__new")
    in_old = pl.any_horizontal(pl.col(k).is_not_null() for k in keys)
    in_new = pl.any_horizontal(pl.col(f"{k}__new").is_not_null() for k in keys)
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}__new")) for c in values] or [pl.lit(False)])
    counted = joined.select(
        added=(~in_old & in_new).sum(), removed=(in_old & ~in_new).sum(), changed=(in_old & in_new & differs).sum(),
    ).row(0)
    return RowDiff(int(counted[0]), int(counted[1]), int(counted[2]), tuple(keys))
