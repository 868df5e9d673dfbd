"""Spark gives DuckDB's output: the example project's transforms, TPC-H-style queries, incremental
and partitioned inputs, as committed tables (same rows in any order, floats to conftest.TOLERANCE,
the same Arrow schema: lakekit types a table alike whichever engine made it) and as ``lake.sql``
results; the same ``_lakekit.lineage`` rows and provenance, but for the engine."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

import lakekit as lk
from examples import demo
from lakekit.index import metadata
from lakekit.index.provenance import TransformProvenance
from tests.spark import tpch
from tests.spark.conftest import assert_same_rows


@pytest.fixture(scope="module")
def tpch_lake(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> lk.Lake:
    lake = lk.Lake(tmp_path_factory.mktemp("tpch") / "lake", spark=spark)
    for name, table in tpch.tables().items():
        write_deltalake(lake._storage.uri(name), table)
    return lake


@pytest.mark.parametrize("name", sorted(tpch.QUERIES))
def test_tpch_query_gives_duckdbs_rows_as_a_committed_table(tpch_lake: lk.Lake, name: str) -> None:
    sql = tpch.QUERIES[name]
    duck = tpch_lake.transform(f"duck.{name}", sql, dialect="duckdb")
    on_spark = tpch_lake.transform(f"spark.{name}", sql, dialect="duckdb", engine="spark")
    assert on_spark.inputs == duck.inputs and on_spark.rows == duck.rows
    assert_same_rows(tpch_lake.read(f"duck.{name}"), tpch_lake.read(f"spark.{name}"), name)
    assert _lineage(tpch_lake, f"spark.{name}") == _lineage(tpch_lake, f"duck.{name}") != []
    made = {e: tpch_lake.history(f"{e}.{name}")[0].provenance for e in ("duck", "spark")}
    assert isinstance(made["spark"], TransformProvenance) and isinstance(made["duck"], TransformProvenance)
    assert (made["duck"].engine or "").startswith("duckdb ") and (made["spark"].engine or "").startswith("spark 4")
    assert _same_but_engine(made["duck"]) == _same_but_engine(made["spark"])


def _lineage(lake: lk.Lake, table: str) -> list[tuple[object, ...]]:
    """The ``_lakekit.lineage`` rows of ``table`` (its transform's id aside)."""
    return sorted(tuple(v for k, v in r.items() if k not in ("transform_id", "target_table"))
                  for r in metadata.read(lake._storage, "lineage").to_pylist() if r["target_table"] == table)


def _same_but_engine(made: TransformProvenance) -> dict[str, object]:
    """A transform's provenance but what names its run and its engine."""
    return {k: v for k, v in dataclasses.asdict(made).items() if k not in ("transform_id", "job", "engine")}


@pytest.mark.parametrize("name", ["q01_pricing_summary", "w02_running_total"])
def test_sql_on_spark_gives_duckdbs_rows(tpch_lake: lk.Lake, name: str) -> None:
    sql = tpch.QUERIES[name]
    assert_same_rows(tpch_lake.sql(sql, dialect="duckdb"), tpch_lake.sql(sql, dialect="duckdb", engine="spark"), name)


@pytest.mark.parametrize(("dialect", "sql"), [
    ("databricks", "SELECT COUNT(*) AS n, SUM(o_totalprice) AS t FROM tpch.orders VERSION AS OF 0"),
    ("snowflake", "SELECT COUNT(*) AS n FROM tpch.orders AT (VERSION => 0)"),
    ("bigquery", "SELECT COUNT(*) AS n FROM `tpch.orders` FOR SYSTEM_TIME AS OF TIMESTAMP '2999-01-01'"),
])
def test_time_travel_reads_the_same_pinned_version(tpch_lake: lk.Lake, dialect: str, sql: str) -> None:
    assert_same_rows(tpch_lake.sql(sql, dialect=dialect), tpch_lake.sql(sql, dialect=dialect, engine="spark"), sql)


@pytest.fixture(scope="module")
def example_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running example's lake (examples/demo.py on a few hundred users)."""
    folder = tmp_path_factory.mktemp("example")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(Path(demo.__file__).parent.parent)
        demo.main(["--lake", str(folder / "lake"), "--data", str(folder / "data"), "--users", "300"])
    return folder / "lake"


def test_every_example_transform_gives_duckdbs_table(example_lake: Path, tmp_path: Path, spark: Any) -> None:
    assert demo.PROJECT.transforms is not None
    tables = {}
    for engine in ("duckdb", "spark"):
        root = tmp_path / engine
        shutil.copytree(example_lake, root)
        lake = demo.PROJECT.open(str(root))
        lake.spark = spark
        run = lake.run_transforms(demo.PROJECT.transforms, full_refresh=True, engine=engine)  # type: ignore[arg-type]
        assert all(not f.skipped and f.error is None for f in run.files), run
        tables[engine] = {f.target: lake.read(f.target) for f in run.files}
    assert len(tables["spark"]) == 5 and tables["spark"].keys() == tables["duckdb"].keys()
    for target, duck in tables["duckdb"].items():
        assert_same_rows(duck, tables["spark"][target], target)


def test_incremental_merge_and_insert_columns_give_duckdbs_table(tmp_path: Path, spark: Any) -> None:
    """An incremental transform (only the new files read, merged on its keys) and an INSERT with a
    column list: the rows come back through the rewrite path of publish (a merge cannot keep files)."""

    lake = lk.Lake(tmp_path / "lake", spark=spark)
    uri = lake._storage.uri("raw.events")
    write_deltalake(uri, pa.table({"id": pa.array([1, 2, 3], pa.int64()), "v": [1.0, 2.0, 3.0]}))
    sql = "SELECT id, v * 2 AS doubled FROM raw.events"
    insert = "INSERT INTO {t} (key, value) SELECT id, v FROM raw.events WHERE v > 1"
    for engine in ("duckdb", "spark"):
        first = lake.transform(f"{engine}.inc", sql, dialect="duckdb", keys=["id"], incremental=True,
                               engine=engine)  # type: ignore[arg-type]
        assert first.version == 0
    write_deltalake(uri, pa.table({"id": pa.array([4, 5], pa.int64()), "v": [4.0, 5.0]}), mode="append")
    for engine in ("duckdb", "spark"):
        again = lake.transform(f"{engine}.inc", sql, dialect="duckdb", keys=["id"], incremental=True,
                               engine=engine)  # type: ignore[arg-type]
        assert again.reason.startswith("incremental") and again.rows == 2
        lake.transform(f"{engine}.ins", insert.format(t=f"{engine}.ins"), dialect="duckdb", engine=engine)  # type: ignore[arg-type]
    assert_same_rows(lake.read("duckdb.inc"), lake.read("spark.inc"), "incremental")
    assert lake.read("spark.inc").num_rows == 5
    assert_same_rows(lake.read("duckdb.ins"), lake.read("spark.ins"), "insert")
    assert lake.read("spark.ins").column_names == ["key", "value"]


@pytest.mark.parametrize(("dialect", "sql"), [
    ("bigquery", "SELECT id, x, o FROM `raw.lists`, UNNEST(xs) AS x WITH OFFSET AS o"),
    ("postgres", "SELECT id, id / 2 AS half, 7 / 2 AS q FROM raw.lists"),
    ("bigquery", "SELECT id, DATE_TRUNC(DATE '2024-05-17', MONTH) AS m FROM `raw.lists`"),
    ("snowflake", "SELECT COUNT_IF(id > 1) AS n FROM raw.lists"),
])
def test_dialect_semantics_lakekit_conforms_hold_on_spark(tmp_path: Path, spark: Any, dialect: str, sql: str) -> None:
    """The source dialect's values and types (conform.py) on Spark too: BigQuery offsets from 0,
    Postgres integer division, BigQuery date truncation giving a DATE, a 64-bit COUNT_IF."""

    lake = lk.Lake(tmp_path / "lake", spark=spark)
    write_deltalake(lake._storage.uri("raw.lists"), pa.table({"id": pa.array([1, 2, 3], pa.int64()),
                                                              "xs": [[10, 20], [30], []]}))
    assert_same_rows(lake.sql(sql, dialect=dialect), lake.sql(sql, dialect=dialect, engine="spark"), sql)


def test_a_partitioned_input_gives_duckdbs_rows_and_an_unchanged_rerun_is_skipped(tmp_path: Path,
                                                                                 spark: Any) -> None:
    """Partition values come from the add actions (a NULL one, and one the folder name escapes,
    included), not from file paths; a lake root Spark would take for a URL-encoded path or a glob is
    read as it is; a second run over the same pinned versions commits nothing."""
    lake = lk.Lake(tmp_path / "a lake {1,2} *", spark=spark)
    uri = lake._storage.uri("raw.sales")
    for ids in ([1, 2, 3, 4], [5, 6]):
        write_deltalake(uri, pa.table({
            "id": pa.array(ids, pa.int64()), "region": [["north", "south west/[2]%", None][i % 3] for i in ids],
            "day": [date(2024, 1, 1 + i % 2) for i in ids], "amount": [i * 1.5 for i in ids]}),
            partition_by=["region", "day"], mode="append")
    sql = ("SELECT region, day, COUNT(*) AS n, SUM(amount) AS amount, MIN(id) AS first_id "
           "FROM raw.sales GROUP BY region, day")
    on_spark = lake.transform("marts.spark", sql, dialect="duckdb", engine="spark")
    on_duck = lake.transform("marts.duck", sql, dialect="duckdb")
    assert on_spark.rows == on_duck.rows == 6 and on_spark.inputs == on_duck.inputs == {"raw.sales": 1}
    assert_same_rows(lake.read("marts.duck"), lake.read("marts.spark"), "partitioned")
    assert_same_rows(lake.sql("SELECT * FROM raw.sales"), lake.sql("SELECT * FROM raw.sales", engine="spark"),
                     "partition columns")
    again = lake.transform("marts.spark", sql, dialect="duckdb", engine="spark")
    assert again.skipped and again.version == 0 and len(lake.history("marts.spark")) == 1
