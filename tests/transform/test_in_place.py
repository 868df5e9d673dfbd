"""UPDATE and DELETE as transforms: the target rewritten in place, with lineage; one that reads
other tables is refused with the way to write it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lakekit as lk
from lakekit.errors import UsageError


def make(root: Path, amounts: list[int | None]) -> lk.Lake:
    source = root / "orders.parquet"
    pq.write_table(pa.table({"id": pa.array(range(len(amounts)), pa.int64()),
                             "amount": pa.array(amounts, pa.int64()),
                             "status": ["new"] * len(amounts)}), source)
    lake = lk.Lake(root / "lake")
    lake.ingest("shop.orders", str(source))
    return lake


def rows(lake: lk.Lake) -> list[tuple]:
    table = lake.read("shop.orders").select(["id", "amount", "status"])
    return sorted((r["id"], r["amount"], r["status"]) for r in table.to_pylist())


def test_update_sets_the_rows_its_where_picks(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None])
    result = lake.transform("shop.orders", "UPDATE shop.orders SET status = 'big', amount = amount * 2 "
                                           "WHERE amount > 10", dialect="snowflake")
    assert result.version == 1 and result.inputs == {"shop.orders": 0}
    assert rows(lake) == [(0, 5, "new"), (1, 100, "big"), (2, None, "new")]
    assert {(e.source_column, e.target_column, e.kind, e.subtype) for e in result.edges} == {
        ("amount", "amount", "direct", "transformation"), ("amount", "*", "indirect", "filter")}


def test_delete_removes_the_rows_its_where_picks_and_keeps_unknowns(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None])
    result = lake.transform("shop.orders", "DELETE FROM shop.orders WHERE amount > 10", dialect="postgres")
    assert rows(lake) == [(0, 5, "new"), (2, None, "new")]  # NULL > 10 is not true: the row stays
    assert [(e.source_column, e.target_column, e.subtype) for e in result.edges] == [("amount", "*", "filter")]
    lake.transform("shop.orders", "DELETE FROM shop.orders", dialect="postgres")
    assert rows(lake) == []


@pytest.mark.parametrize("sql", [
    "UPDATE shop.orders SET status = s.status FROM shop.stage AS s WHERE shop.orders.id = s.id",
    "DELETE FROM shop.orders USING shop.stage AS s WHERE shop.orders.id = s.id",
])
def test_an_update_or_delete_reading_other_tables_is_refused(tmp_path: Path, sql: str):
    lake = make(tmp_path, [1])
    with pytest.raises(UsageError, match=r"reads other tables .* write it as MERGE INTO"):
        lake.transform("shop.orders", sql, dialect="postgres")
    assert lake.history("shop.orders")[-1].version == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-100, 100)), min_size=1, max_size=8), st.integers(-100, 100))
def test_delete_then_the_rest_is_what_a_filter_keeps(tmp_path_factory: pytest.TempPathFactory,
                                                      amounts: list[int | None], cut: int):
    lake = make(tmp_path_factory.mktemp("prop"), amounts)
    lake.transform("shop.orders", f"DELETE FROM shop.orders WHERE amount < {cut}", dialect="duckdb")
    kept = sorted((i, a) for i, a in enumerate(amounts) if a is None or not a < cut)
    assert [(r[0], r[1]) for r in rows(lake)] == kept
