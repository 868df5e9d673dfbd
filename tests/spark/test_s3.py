"""The Spark engine on a lake in an S3-compatible store (the tests' moto server on 127.0.0.1).

The pyspark wheel has no S3A connector, so Spark reads local copies of the pinned files and writes
its output locally; lakekit uploads that into the table's staged folder on the store, and delta-rs
commits it there. The result equals DuckDB's, and a second run over the same versions is skipped."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from deltalake import write_deltalake

import lakekit as lk
from tests.spark.conftest import assert_same_rows

SQL = ("SELECT c.region, COUNT(*) AS orders, SUM(o.amount) AS amount "
       "FROM raw.orders o JOIN raw.customers c ON o.customer = c.id GROUP BY c.region")


def test_a_transform_on_spark_over_a_lake_on_s3(s3: Any, spark: Any) -> None:
    lake = lk.Lake(s3.url("lake"), storage_options=s3.options, spark=spark)
    customers = pa.table({"id": pa.array(range(50), pa.int64()), "region": [f"r{i % 4}" for i in range(50)]})
    orders = pa.table({"customer": pa.array([i % 50 for i in range(400)], pa.int64()),
                       "amount": [float(i) / 4 for i in range(400)]})
    for name, table in (("raw.customers", customers), ("raw.orders", orders)):
        write_deltalake(lake._storage.uri(name), table, storage_options=s3.options)
    on_spark = lake.transform("marts.regions", SQL, dialect="duckdb", engine="spark")
    on_duck = lake.transform("marts.regions_duck", SQL, dialect="duckdb")
    assert on_spark.rows == on_duck.rows == 4
    assert_same_rows(lake.read("marts.regions_duck"), lake.read("marts.regions"), "s3")
    files = lake._storage.open("marts.regions").file_uris()
    assert files and all(f.startswith(s3.url("lake/marts/regions/staged-")) for f in files)
    assert lake.transform("marts.regions", SQL, dialect="duckdb", engine="spark").skipped
    assert_same_rows(lake.sql(SQL, dialect="duckdb"), lake.sql(SQL, dialect="duckdb", engine="spark"), "sql on s3")

