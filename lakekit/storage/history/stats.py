"""Delta file statistics (``add.stats``) for a rewritten data file, encoded as delta-rs 1.x encodes them.

Only the statistics the old file had are computed again: a column left out of the old file's stats
(``delta.dataSkippingStatsColumns``, ``delta.dataSkippingNumIndexedCols``, a type without bounds) gets
none. Encoding (measured on delta-rs 1.6.6): numbers as JSON numbers (decimals too), NaN ignored,
booleans, strings whole, dates ``YYYY-MM-DD``, timestamps truncated to milliseconds as
``2024-01-02T03:04:05.123Z`` (UTC) or ``2024-01-02 03:04:05.123`` (no time zone), the fraction only when
not zero; struct columns nested (``{}`` when no field has bounds); a min/max left out when every
value is null.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

Template = dict[str, Any]
"""The shape of a file's stats: its keys, nested like the stats, every value None. Holds no data."""


def template(stats: str | dict[str, Any] | None) -> Template | None:
    """The keys of ``stats`` (a JSON string or a parsed dict, e.g. ``stats_parsed``), values dropped;
    None when the file had no stats."""
    parsed = json.loads(stats) if isinstance(stats, str) else stats
    if not parsed:
        return None

    def keys(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {k: keys(v) for k, v in value.items() if v is not None}
            return {k: v for k, v in kept.items() if v != {}}
        return None

    shape: Template = keys(parsed)
    return shape


def compute(data: pa.Table, shape: Template | None) -> str | None:
    """The stats JSON of ``data`` with the keys of ``shape`` (None: none)."""
    if shape is None:
        return None
    columns = {name: data.column(name).combine_chunks() for name in data.column_names}
    out: dict[str, Any] = {}
    if "numRecords" in shape:
        out["numRecords"] = data.num_rows
    for kind in ("minValues", "maxValues", "nullCount"):
        if isinstance(shape.get(kind), dict):
            out[kind] = _column_stats(kind, shape[kind], columns)
    if "tightBounds" in shape:
        out["tightBounds"] = True  # no deletion vectors: the bounds are those of the rows
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def _column_stats(kind: str, shape: Template, columns: dict[str, pa.Array]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sub in shape.items():
        array = columns.get(name)
        if array is None:
            continue
        if isinstance(array, pa.DictionaryArray):
            array = array.dictionary_decode()
        if isinstance(sub, dict):
            if isinstance(array, pa.StructArray):  # flatten() folds the struct's own nulls into its fields
                children = dict(zip([f.name for f in array.type], array.flatten(), strict=True))
                out[name] = _column_stats(kind, sub, children)  # delta-rs writes {} when no field has bounds
        elif kind == "nullCount":
            out[name] = array.null_count
        elif (value := _bound(array, kind == "minValues")) is not None:
            out[name] = value
    return out


def _bound(array: pa.Array, lowest: bool) -> Any:
    """The min (``lowest``) or max of ``array``, JSON-encoded; None when it has none."""
    kind = array.type
    if pa.types.is_string_view(kind) or pa.types.is_large_string(kind):
        array = array.cast(pa.string())
    elif pa.types.is_timestamp(kind):
        array = array.cast(pa.timestamp("us", kind.tz), safe=False)
    elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_string(kind)
              or pa.types.is_boolean(kind) or pa.types.is_date(kind) or pa.types.is_decimal(kind)):
        return None
    value = pc.min_max(array)["min" if lowest else "max"].as_py()
    if value is None:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        fraction = f".{value.microsecond // 1000:03d}" if value.microsecond // 1000 else ""
        if kind.tz is not None:
            return f"{value:%Y-%m-%dT%H:%M:%S}{fraction}Z"
        return f"{value:%Y-%m-%d %H:%M:%S}{fraction}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def typed(stats: dict[str, Any] | None, kind: pa.DataType) -> dict[str, Any] | None:
    """``stats`` (parsed JSON) as Python values of the Arrow struct ``kind`` (a checkpoint's
    ``stats_parsed``): fields ``kind`` lacks are left out, values it cannot hold become None."""
    if stats is None:
        return None
    value = _typed(stats, kind)
    try:
        pa.array([value], type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _typed(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    try:
        if pa.types.is_struct(kind):
            if not isinstance(value, dict):
                return None
            return {f.name: _typed(value.get(f.name), f.type) for f in kind}
        if pa.types.is_timestamp(kind):
            moment = datetime.fromisoformat(value)
            return moment.replace(tzinfo=UTC) if kind.tz and moment.tzinfo is None else moment
        if pa.types.is_date(kind):
            return date.fromisoformat(value)
        if pa.types.is_decimal(kind):
            return Decimal(repr(value)).quantize(Decimal(1).scaleb(-kind.scale))
        pa.scalar(value, type=kind)
    except (ValueError, TypeError, ArithmeticError, pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return value
