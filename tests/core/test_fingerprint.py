"""Table fingerprints prove rows equal: equal rows give one fingerprint, whatever an engine left in
the slots of its nulls."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from lakekit.core.fingerprint import table_fingerprint

_KINDS = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.float32(), pa.float64(), pa.date32(),
          pa.timestamp("us"), pa.timestamp("ns", tz="UTC"), pa.duration("ms"), pa.time64("us")]


def _with_under_nulls(values: list[int | None], kind: pa.DataType, under: int) -> pa.Array:
    """``values`` as ``kind``, with ``under`` (not zero) in the data buffer where a value is null."""
    width = {8: pa.int8(), 16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[kind.bit_width]
    raw = pa.array([under if v is None else v for v in values], width)
    validity = pa.array([v is not None for v in values]).buffers()[1]
    return pa.Array.from_buffers(kind, len(values), [validity, raw.buffers()[1]],
                                 sum(v is None for v in values))


@given(values=st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=1, max_size=30),
       kind=st.sampled_from(_KINDS), under=st.integers(1, 127), cut=st.integers(0, 5))
def test_what_lies_under_a_null_does_not_change_the_fingerprint(values: list[int | None], kind: pa.DataType,
                                                                under: int, cut: int) -> None:
    clean = _with_under_nulls(values, kind, 0)
    dirty = _with_under_nulls(values, kind, under)
    assert dirty.equals(clean)
    start = min(cut, len(values) - 1)
    for a, b in ((clean, dirty), (clean.slice(start), dirty.slice(start))):
        assert table_fingerprint(pa.table({"c": a})) == table_fingerprint(pa.table({"c": b}))


def test_booleans_under_nulls_and_values_still_count() -> None:
    validity = pa.array([True, False, True]).buffers()[1]
    clean = pa.Array.from_buffers(pa.bool_(), 3, [validity, pa.array([True, False, False]).buffers()[1]], 1)
    dirty = pa.Array.from_buffers(pa.bool_(), 3, [validity, pa.array([True, True, False]).buffers()[1]], 1)
    assert table_fingerprint(pa.table({"b": clean})) == table_fingerprint(pa.table({"b": dirty}))
    assert table_fingerprint(pa.table({"b": clean})) != table_fingerprint(pa.table({"b": [True, None, True]}))
    assert table_fingerprint(pa.table({"n": [1, None]})) != table_fingerprint(pa.table({"n": [None, 1]}))
