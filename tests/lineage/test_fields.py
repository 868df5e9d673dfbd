"""Hypothesis: a struct's field, and an object's key, read through random chains of CTEs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lakekit.lineage import column_lineage

_NAMES = st.sampled_from(["asset", "id", "metric", "color", "size", "code"])


@settings(max_examples=40)
@given(path=st.lists(_NAMES, min_size=1, max_size=3), hops=st.integers(0, 3), folded=st.booleans(),
       dialect=st.sampled_from(["bigquery", "spark", "databricks", "duckdb", "snowflake", None]),
       qualified=st.booleans())
def test_a_struct_field_names_its_nested_column(path: list[str], hops: int, folded: bool, dialect: str | None,
                                                qualified: bool):
    """``widget.<path>`` read after ``hops`` CTEs passing ``widget`` on (as is or through COALESCE) is
    the nested column ``widget.<path>``: identity when every step passes the struct as is."""
    ctes = []
    source = "raw.events AS e"
    for hop in range(hops):
        value = "COALESCE(e.widget, e.widget)" if folded and hop == 0 else "e.widget"
        ctes.append(f"c{hop} AS (SELECT {value} AS widget FROM {source})")
        source = f"c{hop} AS e"
    prefix = "e." if qualified else ""
    sql = (f"{'WITH ' + ', '.join(ctes) + ' ' if ctes else ''}"
           f"SELECT {prefix}widget.{'.'.join(path)} AS out FROM {source}")
    edges = column_lineage(sql, dialect=dialect, target="t")
    subtype = "transformation" if folded and hops else "identity"
    assert {(e.source_table, e.source_column, e.target_column, e.kind, e.subtype) for e in edges} == {
        ("raw.events", f"widget.{'.'.join(path)}", "out", "direct", subtype)}


@settings(max_examples=40)
@given(keys=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True),
       data=st.data())
def test_a_key_of_a_built_object_holds_what_was_put_under_it(keys: list[str], data: st.DataObject):
    """OBJECT_CONSTRUCT('k', col, …) then ``obj:k``: only the column put under ``k`` flows into it."""
    read = data.draw(st.sampled_from(keys))
    pairs = ", ".join(f"'{key.upper()}', v_{key}" for key in keys)
    sql = (f"WITH o AS (SELECT OBJECT_CONSTRUCT({pairs}) AS obj FROM raw.s) "
           f"SELECT o.obj:{read.upper()}::VARCHAR AS out FROM o")
    edges = column_lineage(sql, dialect="snowflake", target="t")
    assert {(e.source_column, e.target_column) for e in edges} == {(f"v_{read}", "out")}
