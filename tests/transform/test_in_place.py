"""UPDATE and DELETE as transforms: delta-rs's own UPDATE / DELETE rewriting only the files that
hold picked rows where that is exact, the whole table otherwise; the same rows as DuckDB running
the statement on a copy, the target's types kept, lineage and validation as for every transform."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import deltalake
import duckdb
import pandera.polars as pa_pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
from deltalake import DeltaTable, write_deltalake
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import SqlError, UsageError
from lakekit.index import metadata
from lakekit.transform import pipeline
from lakekit.transform.engines import DuckDB
from lakekit.transform.pipeline import TransformOptions


def make(root: Path, amounts: list[int | None], files: int = 1) -> lk.Lake:
    """shop.orders from ``amounts``, in ``files`` data files (ids in order)."""
    lake = lk.Lake(root / "lake")
    size = -(-len(amounts) // files) if amounts else 1
    for n, start in enumerate(range(0, max(len(amounts), 1), size)):
        part = amounts[start:start + size]
        source = root / f"orders-{n}.parquet"
        pq.write_table(pa.table({"id": pa.array(range(start, start + len(part)), pa.int32()),
                                 "amount": pa.array(part, pa.int64()), "status": ["new"] * len(part)}), source)
        lake.ingest("shop.orders", str(source))
    return lake


def rows(lake: lk.Lake, version: int | None = None) -> list[tuple]:
    table = lake.read("shop.orders", version=version).select(["id", "amount", "status"])
    return ordered((r["id"], r["amount"], r["status"]) for r in table.to_pylist())


def ordered(found: Iterable[tuple]) -> list[tuple]:
    return sorted(found, key=lambda row: [(v is None, v or 0) for v in row])


def files(lake: lk.Lake) -> set[str]:
    return set(pa.table(DeltaTable(lake._storage.uri("shop.orders")).get_add_actions()).column("path").to_pylist())


def last_commit(lake: lk.Lake) -> dict:
    return DeltaTable(lake._storage.uri("shop.orders")).history(1)[0]


def duckdb_result(before: list[tuple], sql: str) -> list[tuple]:
    """What DuckDB gives for ``sql`` on a copy of the rows (types as shop.orders has them)."""
    con = duckdb.connect()
    con.sql("CREATE SCHEMA shop; CREATE TABLE shop.orders (id INTEGER, amount BIGINT, status VARCHAR)")
    con.executemany("INSERT INTO shop.orders VALUES (?, ?, ?)", before)
    con.sql(sql)
    return ordered(con.sql("SELECT * FROM shop.orders").fetchall())


def test_update_rewrites_only_the_files_holding_picked_rows(tmp_path: Path):
    lake = make(tmp_path, [5, 6, 50, None], files=2)
    before = files(lake)
    result = lake.transform("shop.orders", "UPDATE shop.orders SET status = 'big' WHERE amount > 10",
                            dialect="snowflake")
    assert rows(lake) == [(0, 5, "new"), (1, 6, "new"), (2, 50, "big"), (3, None, "new")]
    assert (result.version, result.rows, result.inputs) == (2, 1, {"shop.orders": 1})
    after = files(lake)
    assert len(before & after) == 1 and len(after - before) == 1  # the file of ids 0, 1 stays as it was
    commit = last_commit(lake)
    assert commit["operation"] == "UPDATE" and commit["operationParameters"]["predicate"] == "amount > 10"
    assert lake.read("shop.orders").schema.field("id").type == pa.int32()
    assert {(e.source_column, e.target_column, e.kind, e.subtype) for e in result.edges} == {
        ("amount", "*", "indirect", "filter")}
    entry = lake.history("shop.orders")[0]
    assert (entry.operation, entry.provenance.by, entry.provenance.engine) == (
        "UPDATE", result.transform_id, f"delta-rs {deltalake.__version__}")


def test_delete_removes_the_rows_its_where_picks_and_keeps_unknowns(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None, 7], files=2)
    before = files(lake)
    result = lake.transform("shop.orders", "DELETE FROM shop.orders WHERE amount > 10", dialect="postgres")
    assert rows(lake) == [(0, 5, "new"), (2, None, "new"), (3, 7, "new")]  # NULL > 10 is not true: the row stays
    assert last_commit(lake)["operation"] == "DELETE" and result.rows == 1
    assert len(files(lake) & before) == 1
    assert [(e.source_column, e.target_column, e.subtype) for e in result.edges] == [("amount", "*", "filter")]
    lake.transform("shop.orders", "DELETE FROM shop.orders", dialect="postgres")
    assert rows(lake) == [] and last_commit(lake)["operation"] == "DELETE"


def test_explain_says_what_delta_rs_runs(tmp_path: Path):
    lake = make(tmp_path, [1, 2])
    explained = lake.transform("shop.orders", "UPDATE shop.orders SET status = 'x' WHERE amount = 2", explain=True)
    assert explained.change == 'UPDATE SET "status" = \'x\' WHERE "amount" = 2'
    assert "-- delta-rs runs it on the files holding the rows it picks:" in str(explained)
    assert lake.transform("shop.orders", "DELETE FROM shop.orders WHERE amount + 1 = 2", explain=True).change is None
    assert len(lake.history("shop.orders")) == 1


def finished_runs(lake: lk.Lake) -> list[str]:
    runs = metadata.read(lake._storage, "transform_runs").to_pylist()
    return [r["transform_id"] for r in runs if r["status"] == "finished"]


@pytest.mark.parametrize("sql", [
    "DELETE FROM shop.orders WHERE amount > 100",  # delta-rs's DELETE
    "UPDATE shop.orders SET status = 'x' WHERE amount > 100",  # delta-rs's UPDATE
    "DELETE FROM shop.orders WHERE amount * 2 > 200",  # the rewrite
    "UPDATE shop.orders SET amount = amount + 1 WHERE amount * 2 > 200",
    "DELETE FROM shop.orders USING shop.stage AS s WHERE shop.orders.id = s.id",
])
def test_a_change_picking_no_row_commits_nothing_and_is_recorded_as_a_run(tmp_path: Path, sql: str):
    lake = make(tmp_path, [1, 2, None], files=2)
    write_deltalake(lake._storage.uri("shop.stage"), pa.table({"id": pa.array([7], pa.int32())}))
    result = lake.transform("shop.orders", sql, dialect="postgres")
    assert (result.version, result.rows, result.written, result.skipped) == (1, 0, 0, False)
    assert "picks no row" in result.reason and len(lake.history("shop.orders")) == 2 and rows(lake) == rows(lake, 1)
    assert finished_runs(lake) == [result.transform_id]
    again = lake.transform("shop.orders", sql, dialect="postgres")  # the same statement over the same versions
    assert (again.version, again.rows, len(lake.history("shop.orders"))) == (1, 0, 2)
    moved = lake.transform("shop.orders", "DELETE FROM shop.orders WHERE id = 0")
    assert moved.version == 2 and lake.transform("shop.orders", "DELETE FROM shop.orders WHERE id = 0").skipped


def test_rows_are_the_rows_changed_on_both_paths_and_written_the_rows_rewritten(tmp_path: Path):
    lake = make(tmp_path, [5, 6, 50, None], files=2)  # ids 0, 1 in one file, 2, 3 in the other
    deleted = lake.transform("shop.orders", "DELETE FROM shop.orders WHERE id = 0")
    assert last_commit(lake)["operation"] == "DELETE" and (deleted.rows, deleted.written) == (1, 1)
    updated = lake.transform("shop.orders", "UPDATE shop.orders SET status = 'big' WHERE amount = 50")
    assert last_commit(lake)["operation"] == "UPDATE" and (updated.rows, updated.written) == (1, 2)
    rewrite = lake.transform("shop.orders", "UPDATE shop.orders SET amount = amount + 1, "
                                            "status = replace(status, 'x', 'y') WHERE amount > 5")  # DuckDB's
    assert last_commit(lake)["operation"] == "WRITE" and (rewrite.rows, rewrite.written) == (2, 3)
    rewritten = lake.transform("shop.orders", "DELETE FROM shop.orders WHERE amount % 2 = 1")
    assert last_commit(lake)["operation"] == "WRITE" and (rewritten.rows, rewritten.written) == (2, 1)
    assert rows(lake) == [(3, None, "new")]
    recorded = lake.sql("SELECT rows FROM _lakekit.transforms ORDER BY version").column("rows").to_pylist()
    assert recorded == [1, 1, 2, 2]


def test_an_update_of_a_pinned_older_version_rewrites_the_table_from_it(tmp_path: Path):
    lake = make(tmp_path, [1, 2])
    lake.transform("shop.orders", "DELETE FROM shop.orders WHERE id = 0")
    lake.transform("shop.orders", "UPDATE shop.orders SET amount = 9 WHERE id = 1", versions={"shop.orders": 0})
    assert rows(lake) == [(0, 1, "new"), (1, 9, "new")] and last_commit(lake)["operation"] == "WRITE"


def test_running_an_update_again_skips_it_unless_a_full_refresh_is_asked(tmp_path: Path):
    lake = make(tmp_path, [1, 2])
    sql = "UPDATE shop.orders SET amount = 7 WHERE id = 1"
    assert lake.transform("shop.orders", sql).version == 1
    assert lake.transform("shop.orders", sql).skipped
    assert lake.transform("shop.orders", sql, full_refresh=True).version == 2


def test_arithmetic_runs_as_a_rewrite_of_the_files_holding_picked_rows_with_the_types_kept(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None], files=3)
    before = files(lake)
    result = lake.transform("shop.orders", "UPDATE shop.orders SET amount = amount * 2, id = id + 0.6 "
                                           "WHERE amount > 10", dialect="postgres")
    assert rows(lake) == [(0, 5, "new"), (2, 100, "new"), (2, None, "new")]  # 1.6 becomes 2, as DuckDB casts it
    assert len(before - files(lake)) == 1 and len(files(lake) - before) == 1
    assert last_commit(lake)["operation"] == "WRITE" and (result.rows, result.written) == (1, 1)
    assert "rewrite of the 1 file(s)" in result.reason
    schema = lake.read("shop.orders").schema
    assert (schema.field("id").type, schema.field("amount").type) == (pa.int32(), pa.int64())


def test_update_from_and_delete_using_read_other_tables(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None])
    write_deltalake(lake._storage.uri("shop.stage"), pa.table({"id": pa.array([1, 2, 9], pa.int64()),
                                                               "status": ["paid", "void", "gone"]}))
    lake.transform("shop.orders", "UPDATE shop.orders SET status = s.status FROM shop.stage AS s "
                                  "WHERE shop.orders.id = s.id AND s.status <> 'void'", dialect="postgres")
    assert rows(lake) == [(0, 5, "new"), (1, 50, "paid"), (2, None, "new")]
    assert {(s.edge.source_table, s.edge.source_column, s.edge.target_column, s.edge.subtype)
            for s in lake.lineage.upstream("shop.orders").edges} >= {
        ("shop.stage", "status", "status", "identity"), ("shop.stage", "id", "*", "filter")}
    result = lake.transform("shop.orders", "DELETE FROM shop.orders AS o USING shop.stage AS s "
                                           "WHERE o.id = s.id AND s.status = 'void'", dialect="snowflake")
    assert rows(lake) == [(0, 5, "new"), (1, 50, "paid")]
    assert result.inputs == {"shop.orders": 1, "shop.stage": 0}


def test_update_from_with_two_matching_source_rows_fails_and_changes_nothing(tmp_path: Path):
    lake = make(tmp_path, [5])
    write_deltalake(lake._storage.uri("shop.stage"), pa.table({"id": pa.array([0, 0], pa.int64()),
                                                               "status": ["a", "b"]}))
    with pytest.raises(SqlError, match="More than one row"):
        lake.transform("shop.orders", "UPDATE shop.orders SET status = s.status FROM shop.stage AS s "
                                      "WHERE shop.orders.id = s.id", dialect="postgres")
    assert lake.history("shop.orders")[0].version == 0


@pytest.mark.parametrize(("sql", "refusal"), [
    ("UPDATE shop.orders SET status = 'x' FROM shop.orders AS o2 WHERE shop.orders.id = o2.id", "joining its own"),
    ("DELETE o FROM shop.orders AS o LEFT JOIN shop.stage AS s ON o.id = s.id", "a LEFT join"),
])
def test_a_change_joining_its_own_target_or_outer_joined_is_refused(tmp_path: Path, sql: str, refusal: str):
    lake = make(tmp_path, [1])
    with pytest.raises(UsageError, match=rf"{refusal} .* MERGE INTO"):
        lake.transform("shop.orders", sql, dialect="tsql")
    assert lake.history("shop.orders")[0].version == 0


@pytest.mark.parametrize(("dialect", "update", "delete"), [
    ("tsql", "UPDATE o SET o.status = s.status FROM shop.orders AS o JOIN shop.stage AS s ON o.id = s.id "
             "WHERE s.status <> 'void'",
     "DELETE o FROM shop.orders AS o INNER JOIN shop.stage AS s ON o.id = s.id WHERE s.status = 'void'"),
    ("mysql", "UPDATE shop.orders AS o JOIN shop.stage AS s ON o.id = s.id SET o.status = s.status "
              "WHERE s.status <> 'void'",
     "DELETE o FROM shop.orders AS o JOIN shop.stage AS s ON o.id = s.id WHERE s.status = 'void'"),
])
def test_the_join_forms_of_tsql_and_mysql(tmp_path: Path, dialect: str, update: str, delete: str):
    lake = make(tmp_path, [5, 50, None])
    write_deltalake(lake._storage.uri("shop.stage"), pa.table({"id": pa.array([1, 2, 9], pa.int64()),
                                                               "status": ["paid", "void", "gone"]}))
    lake.transform("shop.orders", update, dialect=dialect)
    assert rows(lake) == [(0, 5, "new"), (1, 50, "paid"), (2, None, "new")]
    lake.transform("shop.orders", delete, dialect=dialect)
    assert rows(lake) == [(0, 5, "new"), (1, 50, "paid")]


class Orders(pa_pl.DataFrameModel):
    id: int
    amount: int = pa_pl.Field(nullable=True, le=100)
    status: str

    class Config:
        name = "shop.orders"


def test_an_update_breaking_the_schema_quarantines_through_the_rewrite(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None], files=3)
    ok = lake.transform("shop.orders", "UPDATE shop.orders SET amount = 60 WHERE id = 0", schema=Orders)
    assert last_commit(lake)["operation"] == "UPDATE" and ok.validation is not None and ok.validation.ok
    bad = lake.transform("shop.orders", "UPDATE shop.orders SET amount = 500 WHERE id = 1", schema=Orders,
                         on_invalid="quarantine")
    assert last_commit(lake)["operation"] == "WRITE" and bad.quarantined == 1
    assert rows(lake) == [(0, 60, "new"), (2, None, "new")]


WHERES = st.sampled_from([
    "amount > {n}", "amount <= {n} OR status = 'new'", "NOT amount = {n}", "amount IS NULL",
    "amount IS NOT NULL AND id < 3", "amount IN ({n}, 1, 2)", "amount BETWEEN {n} AND {n2}",
    "amount * 2 > {n}", "amount % 3 = 0 AND amount <> {n}", "status LIKE 'n%' AND amount < {n}",
])
SETS = st.sampled_from([
    "status = 'set'", "amount = {n}", "amount = NULL, status = 'x'", "amount = amount + {n}",
    "amount = id", "amount = amount / 2", "status = upper(status) || amount",
    "amount = amount * 2 - {n}", "amount = -amount, status = status || '!'", "status = concat(status, '-', status)",
    "amount = CASE WHEN amount > {n} THEN amount + 1 WHEN status = 'new' THEN {n} END",
    "status = CASE WHEN amount IS NULL THEN 'none' ELSE status END, amount = (amount - 1) * amount",
])
AMOUNTS = st.lists(st.one_of(st.none(), st.integers(-100, 100), st.sampled_from([2 ** 62, -(2 ** 63), 2 ** 63 - 1])),
                   min_size=1, max_size=8)


@settings(max_examples=80)
@given(AMOUNTS, st.integers(-100, 100), WHERES, SETS, st.booleans(), st.integers(1, 3),
       st.sampled_from(["duckdb", "snowflake", "bigquery", "postgres"]))
def test_a_change_gives_what_duckdb_gives_on_a_copy(tmp_path_factory: pytest.TempPathFactory,
                                                  amounts: list[int | None], n: int, where: str, sets: str,
                                                  delete: bool, parts: int, dialect: str):
    """Overflowing arithmetic fails in DuckDB: then it fails here too, the table as it was (DataFusion
    would wrap around)."""
    assume(not (dialect == "postgres" and "/" in sets))  # sqlglot's DuckDB divides as floats: see below
    lake = make(tmp_path_factory.mktemp("prop"), amounts, files=parts)
    before, versions = rows(lake), len(lake.history("shop.orders"))
    condition = where.format(n=n, n2=n + 20)
    sql = (f"DELETE FROM shop.orders WHERE {condition}" if delete
           else f"UPDATE shop.orders SET {sets.format(n=n)} WHERE {condition}")
    try:
        expected = duckdb_result(before, sqlglot.transpile(sql, read=dialect, write="duckdb")[0])
    except duckdb.OutOfRangeException:
        with pytest.raises(SqlError, match="Overflow"):
            lake.transform("shop.orders", sql, dialect=dialect)
        assert rows(lake) == before and len(lake.history("shop.orders")) == versions
        return
    lake.transform("shop.orders", sql, dialect=dialect)
    assert rows(lake) == expected
    assert lake.read("shop.orders").schema.field("amount").type == pa.int64()


def test_arithmetic_case_and_concat_are_delta_rs_s_and_an_overflow_fails(tmp_path: Path):
    lake = make(tmp_path, [5, 50, 2 ** 62], files=3)
    before = files(lake)
    result = lake.transform("shop.orders", "UPDATE shop.orders SET amount = CASE WHEN amount > 10 THEN amount * 2 "
                                           "ELSE -amount END, status = status || '!' WHERE id < 2", dialect="postgres")
    assert rows(lake) == [(0, -5, "new!"), (1, 100, "new!"), (2, 2 ** 62, "new")] and result.rows == 2
    assert last_commit(lake)["operation"] == "UPDATE" and len(files(lake) & before) == 1
    with pytest.raises(SqlError, match="Overflow in multiplication of INT64"):
        lake.transform("shop.orders", "UPDATE shop.orders SET amount = amount * 2 WHERE amount > 10")
    assert rows(lake) == [(0, -5, "new!"), (1, 100, "new!"), (2, 2 ** 62, "new")]


def test_update_and_delete_run_from_the_cli_and_in_a_project(tmp_path: Path):
    lake = make(tmp_path, [5, 50, None], files=3)
    (tmp_path / "fix.sql").write_text("UPDATE shop.orders SET status = 'checked' WHERE amount IS NOT NULL")
    ran = CliRunner().invoke(app, ["--lake", lake.root, "transform", "shop.orders", str(tmp_path / "fix.sql"),
                                   "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["version"] == 3 and last_commit(lake)["operation"] == "UPDATE"
    (tmp_path / "none.sql").write_text("DELETE FROM shop.orders WHERE amount > 1000")
    nothing = CliRunner().invoke(app, ["--lake", lake.root, "transform", "shop.orders", str(tmp_path / "none.sql")])
    assert nothing.exit_code == 0 and "version 3, 0 rows" in nothing.output and "picks no row" in nothing.output
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "prune.sql").write_text("-- lakekit: dialect=snowflake\nDELETE FROM shop.orders WHERE amount > 10")
    (folder / "marts.checked.sql").write_text("SELECT count(*) AS n FROM shop.orders WHERE status = 'checked'")
    first = lake.run_transforms(folder)
    assert [(f.target, f.skipped) for f in first.files] == [("shop.orders", False), ("marts.checked", False)]
    assert last_commit(lake)["operation"] == "DELETE" and lake.read("marts.checked").to_pylist() == [{"n": 1}]
    assert all(f.skipped for f in lake.run_transforms(folder).files)


def test_a_postgres_update_divides_integers_as_postgres_does(tmp_path: Path):
    lake = make(tmp_path, [3, -3])
    lake.transform("shop.orders", "UPDATE shop.orders SET amount = amount / 2", dialect="postgres")
    assert rows(lake) == [(0, 1, "new"), (1, -1, "new")]


@settings(max_examples=25)
@given(st.lists(st.one_of(st.none(), st.integers(-100, 100)), min_size=1, max_size=6),
       st.dictionaries(st.integers(0, 7), st.one_of(st.none(), st.integers(-100, 100)), max_size=6),
       st.integers(-100, 100), st.booleans())
def test_update_from_and_delete_using_give_what_duckdb_gives(tmp_path_factory: pytest.TempPathFactory,
                                                              amounts: list[int | None], stage: dict[int, int | None],
                                                              n: int, delete: bool):
    lake = make(tmp_path_factory.mktemp("joined"), amounts, files=2)
    write_deltalake(lake._storage.uri("shop.stage"), pa.table({"id": pa.array(list(stage), pa.int64()),
                                                               "amount": pa.array(list(stage.values()), pa.int64())}))
    before = rows(lake)
    sql = ("DELETE FROM shop.orders USING shop.stage AS s WHERE shop.orders.id = s.id AND s.amount > {n}" if delete
           else "UPDATE shop.orders SET amount = s.amount, status = 'staged' FROM shop.stage AS s "
                "WHERE shop.orders.id = s.id AND s.amount > {n}").format(n=n)
    lake.transform("shop.orders", sql, dialect="postgres")
    con = duckdb.connect()
    con.sql("CREATE SCHEMA shop; CREATE TABLE shop.stage (id BIGINT, amount BIGINT)")
    if stage:
        con.executemany("INSERT INTO shop.stage VALUES (?, ?)", list(stage.items()))
    con.sql("CREATE TABLE shop.orders (id INTEGER, amount BIGINT, status VARCHAR)")
    con.executemany("INSERT INTO shop.orders VALUES (?, ?, ?)", before)
    con.sql(sql)
    assert rows(lake) == ordered(con.sql("SELECT * FROM shop.orders").fetchall())


@settings(max_examples=20)
@given(st.lists(st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2030, 12, 31))), min_size=1, max_size=6),
       st.dates(date(1990, 1, 1), date(2030, 12, 31)), st.booleans())
def test_a_change_of_a_date_column_is_delta_rs_s_and_gives_what_duckdb_gives(
        tmp_path_factory: pytest.TempPathFactory, days: list[date | None], cut: date, delete: bool):
    lake = lk.Lake(tmp_path_factory.mktemp("dates") / "lake")
    write_deltalake(lake._storage.uri("shop.days"), pa.table({"id": pa.array(range(len(days)), pa.int64()),
                                                              "day": pa.array(days, pa.date32())}))
    sql = (f"DELETE FROM shop.days WHERE day < DATE '{cut}'" if delete
           else f"UPDATE shop.days SET day = DATE '2000-01-01' WHERE day >= DATE '{cut}'")
    lake.transform("shop.days", sql, dialect="snowflake")
    picked = any(d is not None and (d < cut if delete else d >= cut) for d in days)
    last = DeltaTable(lake._storage.uri("shop.days")).history(1)[0]
    changed = (1, "DELETE" if delete else "UPDATE")
    assert (last["version"], last["operation"]) == (changed if picked else (0, "WRITE"))
    con = duckdb.connect()
    con.sql("CREATE SCHEMA shop; CREATE TABLE shop.days (id BIGINT, day DATE)")
    con.executemany("INSERT INTO shop.days VALUES (?, ?)", list(enumerate(days)))
    con.sql(sql)
    assert sorted(lake.read("shop.days").to_pylist(), key=lambda r: r["id"]) == [
        {"id": i, "day": d} for i, d in con.sql("SELECT * FROM shop.days ORDER BY id").fetchall()]


def test_an_update_whose_target_moved_after_it_read_it_fails_and_loses_no_row(tmp_path: Path):
    """Another writer appends between the statement's read and its commit: the rewrite of the rows it
    read would drop the appended one, so nothing is written and the call says to run it again."""
    lake = make(tmp_path, [5, 6])
    late = tmp_path / "late.parquet"
    pq.write_table(pa.table({"id": pa.array([100], pa.int32()), "amount": pa.array([7], pa.int64()),
                             "status": ["late"]}), late)

    class AppendingFirst(DuckDB):
        def output(self, storage, prepared, **kw):
            lake.ingest("shop.orders", str(late))
            return super().output(storage, prepared, **kw)

    options = TransformOptions(dialect="duckdb", engine=AppendingFirst())
    sql = "UPDATE shop.orders SET amount = amount + 1, status = replace(status, 'x', 'y')"  # DuckDB's
    with pytest.raises(lk.TargetMoved, match="moved on to version 1 while this statement read version 0"):
        pipeline.transform(lake._storage, "shop.orders", sql, options)
    assert rows(lake) == [(0, 5, "new"), (1, 6, "new"), (100, 7, "late")]
    lake.transform("shop.orders", sql, dialect="duckdb")
    assert rows(lake) == [(0, 6, "new"), (1, 7, "new"), (100, 8, "late")]


MOMENTS = st.datetimes(datetime(1970, 1, 1), datetime(2100, 12, 31))
FLOATS = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 0.1, 1e308]))
DECIMALS = st.one_of(st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False),
                     st.just(Decimal("-0.000")))  # DuckDB's negative zero literal is a positive zero: the rewrite
MEASURE_SETS = st.sampled_from([
    "price = price * {d}", "price = -price + {d}", "price = (price - {d}) * price", "price = {d}",
    "price = CASE WHEN id > 2 THEN price - 1.25 WHEN at IS NULL THEN NULL ELSE 0.1 END",
    "at = TIMESTAMP '{t}'", "utc = TIMESTAMP '{t}', price = NULL",
])
MEASURE_WHERES = st.sampled_from([
    "at >= TIMESTAMP '{t}'", "utc < TIMESTAMP '{t}' OR id = 1", "at BETWEEN TIMESTAMP '2000-01-01 00:00:00' AND "
    "TIMESTAMP '{t}'", "utc IN (TIMESTAMP '{t}', TIMESTAMP '2000-01-01 00:00:00.000001')", "id < 3", "at IS NULL",
])


def exactly(values: Iterable[dict]) -> list[tuple]:
    """Rows by id with each float as its text (NaN equals NaN), but for the sign of a zero: DuckDB's
    UPDATE keeps a stored value equal to the new one, so on a copy ``-0.0`` may stay where its
    SELECT (which the rewrite runs) and DataFusion give ``0.0``."""
    return sorted(tuple(repr(v + 0.0) if isinstance(v, float) else v for v in row.values()) for row in values)


@settings(max_examples=60)
@given(st.lists(st.tuples(FLOATS, st.one_of(st.none(), MOMENTS), st.one_of(st.none(), MOMENTS)), min_size=1,
                max_size=6), DECIMALS, MOMENTS, MEASURE_SETS, MEASURE_WHERES, st.booleans(),
       st.sampled_from(["duckdb", "snowflake", "postgres"]))
def test_a_change_of_floats_and_timestamps_is_delta_rs_s_and_gives_what_duckdb_gives(
        tmp_path_factory: pytest.TempPathFactory, measures: list[tuple], d: Decimal, t: datetime, sets: str,
        where: str, delete: bool, dialect: str):
    table = pa.table({"id": pa.array(range(len(measures)), pa.int64()),
                      "price": pa.array([m[0] for m in measures], pa.float64()),
                      "at": pa.array([m[1] for m in measures], pa.timestamp("us")),
                      "utc": pa.array([m[2] for m in measures], pa.timestamp("us", "UTC"))})
    lake = lk.Lake(tmp_path_factory.mktemp("measures") / "lake")
    write_deltalake(lake._storage.uri("shop.m"), table)
    moment = t.isoformat(sep=" ")
    condition = where.format(t=moment)
    sql = (f"DELETE FROM shop.m WHERE {condition}" if delete
           else f"UPDATE shop.m SET {sets.format(d=d, t=moment)} WHERE {condition}")
    result = lake.transform("shop.m", sql, dialect=dialect)
    con = duckdb.connect()
    con.sql("SET TimeZone = 'UTC'")  # as lakekit's DuckDB reads a naive literal for a UTC column
    con.register("measures", table)
    con.sql("CREATE SCHEMA shop; CREATE TABLE shop.m AS SELECT * FROM measures")
    con.sql(sqlglot.transpile(sql, read=dialect, write="duckdb")[0])
    expected = con.sql("SELECT * FROM shop.m").fetch_arrow_table().to_pylist()
    assert exactly(lake.read("shop.m").to_pylist()) == exactly(expected)
    operation = DeltaTable(lake._storage.uri("shop.m")).history(1)[0]["operation"]
    native = "DELETE" if delete else "UPDATE" if "-0.000" not in sql else "WRITE"
    assert operation == ("WRITE" if not result.rows else native)
