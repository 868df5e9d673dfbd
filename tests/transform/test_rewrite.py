"""UPDATE and DELETE that DuckDB runs (what delta-rs cannot run as the dialect would): only the files
holding picked rows are rewritten, in one commit that removes them and adds their new files; the rows
are those DuckDB gives running the statement on a copy."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandera.polars as pa_pl
import pyarrow as pa
import pytest
import sqlglot
from deltalake import DeltaTable, write_deltalake
from hypothesis import given, settings
from hypothesis import strategies as st

import lakekit as lk

FILES = 8


def make(root: Path, partitioned: bool = False) -> lk.Lake:
    """shop.orders in ``FILES`` files of 10 rows each (ids 0-79), ``kind`` a partition column when asked."""
    lake = lk.Lake(root / "lake")
    for n in range(FILES):
        ids = list(range(n * 10, n * 10 + 10))
        write_deltalake(lake._storage.uri("shop.orders"), pa.table({
            "id": pa.array(ids, pa.int64()), "name": [f"Name {i}" for i in ids],
            "kind": ["a b" if n % 2 else "x/y"] * 10, "price": pa.array([i / 4 for i in ids], pa.float64())}),
            mode="append", partition_by=["kind"] if partitioned else None)
    return lake


def table(lake: lk.Lake) -> list[dict]:
    return sorted(lake.read("shop.orders").select(["id", "name", "kind", "price"]).to_pylist(), key=lambda r: r["id"])


def on_a_copy(before: list[dict], sql: str, dialect: str) -> list[dict]:
    con = duckdb.connect()
    con.register("rows", pa.Table.from_pylist(before))
    con.sql("CREATE SCHEMA shop; CREATE TABLE shop.orders AS SELECT * FROM rows")
    con.sql(sqlglot.transpile(sql, read=dialect, write="duckdb")[0])
    return sorted(con.sql("SELECT * FROM shop.orders").fetch_arrow_table().to_pylist(), key=lambda r: r["id"])


def last_actions(lake: lk.Lake) -> tuple[set[str], set[str], dict]:
    """The paths the last commit adds and removes, and its commitInfo."""
    dt = DeltaTable(lake._storage.uri("shop.orders"))
    log = Path(lake._storage.uri("shop.orders")) / "_delta_log" / f"{dt.version():020}.json"
    actions = [json.loads(line) for line in log.read_text().splitlines()]
    adds = {a["add"]["path"] for a in actions if "add" in a}
    removes = {a["remove"]["path"] for a in actions if "remove" in a}
    return adds, removes, next(a["commitInfo"] for a in actions if "commitInfo" in a)


def live(lake: lk.Lake) -> set[str]:
    return set(pa.table(DeltaTable(lake._storage.uri("shop.orders")).get_add_actions()).column("path").to_pylist())


@pytest.mark.parametrize("partitioned", [False, True])
def test_an_update_touching_one_file_of_many_replaces_only_that_file(tmp_path: Path, partitioned: bool):
    lake = make(tmp_path, partitioned)
    before, files = table(lake), live(lake)
    sql = "UPDATE shop.orders SET name = replace(name, 'Name', 'nom') WHERE id BETWEEN 42 AND 44"  # DuckDB's
    result = lake.transform("shop.orders", sql, dialect="postgres")
    adds, removes, info = last_actions(lake)
    assert len(removes) == 1 and removes < files and len(adds) == 1 and live(lake) == (files - removes) | adds
    assert info["operation"] == "WRITE" and "lakekit" in info
    assert (result.rows, result.written) == (3, 10) and "rewrite of the 1 file(s)" in result.reason
    assert table(lake) == on_a_copy(before, sql, "postgres")
    assert lake.transform("shop.orders", sql, dialect="postgres").skipped
    entry = lake.history("shop.orders")[0]
    assert (entry.provenance.by, entry.rows_added) == (result.transform_id, 10)


def test_a_delete_emptying_a_file_only_removes_it(tmp_path: Path):
    lake = make(tmp_path)
    before, files = table(lake), live(lake)
    sql = "DELETE FROM shop.orders WHERE id < 10 OR lower(name) = 'name 15'"
    result = lake.transform("shop.orders", sql, dialect="snowflake")
    adds, removes, _ = last_actions(lake)
    assert len(removes) == 2 and len(adds) == 1 and live(lake) == (files - removes) | adds  # 9 rows of one kept
    assert (result.rows, result.written) == (11, 9)
    assert table(lake) == on_a_copy(before, sql, "snowflake")


def test_a_delete_of_every_row_of_a_file_only_removes_it(tmp_path: Path):
    lake = make(tmp_path)
    files = live(lake)
    result = lake.transform("shop.orders", "DELETE FROM shop.orders WHERE id < 10 AND replace(name, 'x', 'y') <> ''")
    adds, removes, _ = last_actions(lake)
    assert (result.rows, result.written, adds, len(removes)) == (10, 0, set(), 1) and live(lake) == files - removes


def test_an_update_moving_rows_to_another_partition(tmp_path: Path):
    lake = make(tmp_path, partitioned=True)
    before = table(lake)
    sql = "UPDATE shop.orders SET kind = upper(kind) WHERE id % 10 = 3"
    lake.transform("shop.orders", sql, dialect="duckdb")
    assert len(last_actions(lake)[1]) == FILES and table(lake) == on_a_copy(before, sql, "duckdb")
    actions = pa.table(DeltaTable(lake._storage.uri("shop.orders")).get_add_actions(flatten=True))
    partitions = set(actions.column("partition.kind").to_pylist())
    assert partitions == {"a b", "x/y", "A B", "X/Y"}


class Unique(pa_pl.DataFrameModel):
    id: int = pa_pl.Field(unique=True)
    name: str
    kind: str
    price: float = pa_pl.Field(le=100)

    class Config:
        name = "shop.orders"


def test_unique_values_are_checked_against_the_files_kept(tmp_path: Path):
    lake = make(tmp_path)
    kept = lake.transform("shop.orders", "UPDATE shop.orders SET price = sqrt(price) WHERE id = 3", schema=Unique)
    assert kept.validation is not None and kept.validation.ok and kept.quarantined == 0
    assert last_actions(lake)[2]["operation"] == "WRITE"
    with pytest.raises(lk.errors.ValidationFailed):  # id 15 is in a file the change keeps
        lake.transform("shop.orders", "UPDATE shop.orders SET id = 15 WHERE id / 1 = 3", schema=Unique,
                       on_invalid="fail")
    bad = lake.transform("shop.orders", "UPDATE shop.orders SET price = price * 1000 WHERE id / 1 = 5",
                         schema=Unique, on_invalid="quarantine")
    assert bad.quarantined == 1 and [r["id"] for r in table(lake)] == [i for i in range(80) if i != 5]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 79), st.integers(0, 30), st.sampled_from([
    "UPDATE shop.orders SET name = upper(name), price = price / 3 WHERE id BETWEEN {a} AND {a} + {w}",
    "UPDATE shop.orders SET price = price % 3 WHERE price > {a} / 4.0 AND id < {a} + {w}",
    "DELETE FROM shop.orders WHERE trim(lower(name)) = 'name {a}' OR id % ({w} + 7) = 0",
    "UPDATE shop.orders SET kind = kind || CAST(id AS VARCHAR) WHERE id * 1.5 > {a} AND id < {w}",
]), st.booleans(), st.sampled_from(["duckdb", "postgres", "snowflake"]))
def test_a_rewrite_gives_what_duckdb_gives_on_a_copy_and_replaces_the_files_picked(
        tmp_path_factory: pytest.TempPathFactory, a: int, w: int, template: str, partitioned: bool, dialect: str):
    lake = make(tmp_path_factory.mktemp("rewrite"), partitioned)
    before, files = table(lake), live(lake)
    sql = template.format(a=a, w=w)
    result = lake.transform("shop.orders", sql, dialect=dialect)
    assert table(lake) == on_a_copy(before, sql, dialect)
    where = sqlglot.transpile(f"SELECT id FROM shop.orders WHERE {sql.split(' WHERE ')[1]}", read=dialect,
                              write="duckdb")[0]
    con = duckdb.connect()
    con.register("orders", pa.Table.from_pylist(before))
    picked = [i for (i,) in con.sql(where.replace("shop.orders", "orders")).fetchall()]
    assert result.rows == len(picked) and len(files - live(lake)) == len({i // 10 for i in picked})
