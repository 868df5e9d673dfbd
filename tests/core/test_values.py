"""Python values made Arrow without pandas give what pyarrow's own conversion gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lakekit.core import values
from lakekit.index.metadata import SCHEMAS

SCHEMA = pa.schema([("s", pa.string()), ("i", pa.int64()), ("b", pa.bool_()), ("t", pa.timestamp("us", tz="UTC"))])
ROW = st.fixed_dictionaries({
    "s": st.none() | st.text(alphabet=st.characters(exclude_categories=("Cs",))),
    "i": st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "b": st.none() | st.booleans(),
    "t": st.none() | st.datetimes(min_value=datetime(1, 1, 2), timezones=st.just(UTC)) | st.datetimes(),
})


@given(rows=st.lists(ROW, max_size=20))
def test_a_table_of_python_values_is_what_pyarrow_makes_of_them(rows: list[dict[str, object]]) -> None:
    columns = {n: [r[n] for r in rows] for n in SCHEMA.names}
    made = values.table(columns, SCHEMA)
    assert made.schema == SCHEMA and made.equals(pa.table(columns, schema=SCHEMA))


def test_an_array_a_scalar_and_an_empty_table() -> None:
    assert values.array([True, None], pa.bool_()).equals(pa.array([True, None], pa.bool_()))
    assert values.array(["it's \n \"x\""], pa.string())[0].as_py() == "it's \n \"x\""
    for name, schema in SCHEMAS.items():
        assert values.table({n: [] for n in schema.names}, schema).schema == schema, name


def test_a_value_of_another_kind_or_type_is_refused() -> None:
    with pytest.raises(TypeError, match="bytes is not a value"):
        values.table({"s": [b"x"]}, pa.schema([("s", pa.string())]))
    with pytest.raises(pa.ArrowInvalid):
        values.table({"i": ["x"]}, pa.schema([("i", pa.int64())]))
