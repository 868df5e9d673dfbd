"""What a point-in-time join accepts: labels as Arrow, polars or pandas, with a timestamp column
and the views' entity keys, each of a type the views' keys can be compared with.

Times are compared as instants: a time-zone-aware timestamp is the instant it names; a naive
timestamp is taken as UTC; a date is its midnight, UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from lakekit.errors import UsageError


def arrow(data: Any, what: str) -> pa.Table:
    """``data`` (an Arrow table, a polars or pandas frame, a mapping of columns, a list of records)
    as an Arrow table."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if hasattr(data, "to_arrow"):  # polars
        table = data.to_arrow()
        return table if isinstance(table, pa.Table) else pa.table(table)
    if hasattr(data, "__dataframe__") or hasattr(data, "to_numpy"):  # pandas
        return pa.Table.from_pandas(data, preserve_index=False)
    if isinstance(data, Mapping):
        return pa.table(dict(data))
    if isinstance(data, Sequence) and not isinstance(data, str):
        return pa.Table.from_pylist(list(data))
    raise UsageError(f"{what} must be an Arrow table, a polars or pandas frame, or a lake table name")


def is_time(kind: pa.DataType) -> bool:
    """A type a feature join compares as an instant: a timestamp (any unit, time zone or none) or a date."""
    return pa.types.is_timestamp(kind) or pa.types.is_date(kind)


def check_time(schema: pa.Schema, column: str, what: str) -> None:
    """``column`` of ``schema`` is there and holds timestamps or dates; else an error naming it."""
    if column not in schema.names:
        raise UsageError(f"{what} have no column '{column}'")
    kind = schema.field(column).type
    if not is_time(kind):
        raise UsageError(f"{what} column '{column}' is {kind}, not a timestamp or date: cast it "
                         "(naive timestamps are taken as UTC)")


def _family(kind: pa.DataType) -> str:
    """Types that compare as equal keys: all integers, all floats, all strings, all binaries..."""
    for name, test in (("integer", pa.types.is_integer), ("float", pa.types.is_floating),
                       ("string", lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)
                        or pa.types.is_string_view(t)),
                       ("binary", lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t)
                        or pa.types.is_fixed_size_binary(t)),
                       ("decimal", pa.types.is_decimal), ("timestamp", pa.types.is_timestamp),
                       ("date", pa.types.is_date), ("boolean", pa.types.is_boolean)):
        if test(kind):
            return name
    if pa.types.is_dictionary(kind):
        return _family(kind.value_type)
    return str(kind)


def check_key(labels: pa.Schema, column: str, view: str, key: pa.DataType, what: str) -> None:
    """The labels hold entity key ``column`` of ``view`` (typed ``key`` in the view's table), in a
    type that can equal it."""
    if column not in labels.names:
        raise UsageError(f"{what} have no column '{column}', an entity key of feature view '{view}'")
    given = labels.field(column).type
    if _family(given) != _family(key):
        raise UsageError(f"{what} column '{column}' is {given} but feature view '{view}' keys on it as {key}")
