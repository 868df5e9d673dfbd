"""Error slices: where a run's model errs most, by any column of the data it was trained or scored on.

A run's predictions (``run.log_predictions(data, keys=...)``) are joined on their keys to the
exact input versions the run read, so a slice column, or the label, may live in any input
table that carries the keys; rows are then grouped by the slice columns and ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

from lakekit import runs
from lakekit.errors import LakekitError, NotReproducible, UsageError, VersionNotFound
from lakekit.storage.delta import Storage

if TYPE_CHECKING:
    import polars as pl

Rank = Literal["error_rate", "errors"]


def error_slices(storage: Storage, run_id: str, by: Sequence[str], *, label: str, prediction: str,
                 min_rows: int = 1, rank: Rank = "error_rate") -> pa.Table:
    """Slices of ``by`` with their rows, errors (``label`` ≠ ``prediction``, a missing value
    counting as an error) and error rate, worst first by ``rank`` (ties: more errors, more rows).
    Slices under ``min_rows`` rows are left out."""
    import polars as pl

    if not by:
        raise UsageError("error_slices needs at least one column in by=")
    info = runs.run(storage, run_id)
    if info.predictions is None:
        raise UsageError(f"run '{info.run_id}' logged no predictions")
    keys = list(info.predictions["keys"])
    try:
        frame = _frame(storage.read(info.predictions["table"], info.predictions["version"]))
    except (VersionNotFound, OSError):
        raise NotReproducible(info.run_id, info.predictions["table"],
                              f"the predictions' version {info.predictions['version']} is no longer readable") from None
    wanted = list(dict.fromkeys([*by, label, prediction]))
    gone = []
    for table, version in info.inputs.items():
        missing = [c for c in wanted if c not in frame.columns]
        if not missing:
            break
        try:
            names = storage.dataset(table, version).schema.names
            found = [c for c in missing if c in names]
            if not found or not all(k in names for k in keys):
                continue
            inputs = _frame(storage.read(table, version, columns=[*keys, *found]))
        except (VersionNotFound, OSError):
            gone.append(f"'{table}' version {version}")
            continue
        try:
            frame = frame.join(inputs, on=keys, how="left", validate="m:1", nulls_equal=False)
        except pl.exceptions.ComputeError:
            raise LakekitError(f"keys {', '.join(keys)} are not unique in '{table}' version {version}") from None
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        unread = f" (not readable any more: {', '.join(gone)})" if gone else ""
        raise UsageError(f"column '{absent[0]}' is in neither the predictions nor an input table with the keys"
                         + unread)
    wrong = pl.col(label).ne_missing(pl.col(prediction)) | pl.col(label).is_null() | pl.col(prediction).is_null()
    order = ["error_rate", "errors", "rows"] if rank == "error_rate" else ["errors", "error_rate", "rows"]
    result = (frame.group_by(list(by)).agg(rows=pl.len().cast(pl.Int64), errors=wrong.sum().cast(pl.Int64))
              .with_columns(error_rate=pl.col("errors") / pl.col("rows"))
              .filter(pl.col("rows") >= min_rows)
              .sort([*order, *by], descending=[True, True, True, *([False] * len(by))], nulls_last=True))
    return result.to_arrow()


def _frame(table: pa.Table) -> pl.DataFrame:
    import polars as pl

    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame
