"""The Spark engine (``engine="spark"``) on a join + group-by over pinned versions of a 5M-row table.

(a) lakekit on Spark ÷ a bare Spark job that reads the same Parquet files (listed from the Delta
    log before the clock starts) and writes its result as Parquet: what lakekit adds (pinning,
    transpiling, the staged files committed by delta-rs without a rewrite, provenance, lineage and
    index rows). Goal ≤ 1.2.
(b) Spark local[2] ÷ DuckDB, both through ``lake.transform``: reported (Spark pays its overheads on
    2 cores; the point is that the same transform scales out).
(c) Peak RSS of the Python driver (not the JVM) running the lakekit-on-Spark transform over 1M
    and over 5M rows: the rows never pass through Python, so it stays flat.

Each contender is a worker process with its own session (:class:`bench.compare.Worker`), warmed up
once, then interleaved for ``BENCH_ROUNDS`` rounds; medians with min-max.
"""

from __future__ import annotations

import os
import tempfile

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

from bench import compare

CUSTOMERS = 100_000
SQL = ("SELECT o.customer, c.region, COUNT(*) AS orders, SUM(o.amount) AS amount, MAX(o.day) AS last_day "
       "FROM bench.orders o JOIN bench.customers c ON o.customer = c.id GROUP BY o.customer, c.region")


def make_lake(root: str, rows: int) -> None:
    """bench.orders (``rows`` rows, several files) and bench.customers, each at version 0."""
    import lakekit as lk

    lake = lk.Lake(root)
    ids = pa.array(range(CUSTOMERS), pa.int64())
    write_deltalake(lake._storage.uri("bench.customers"),
                    pa.table({"id": ids, "region": pc.cast(pc.bit_wise_and(ids, 31), pa.string())}))
    chunk = 1_000_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        i = pa.array(range(start, start + n), pa.int64())
        write_deltalake(lake._storage.uri("bench.orders"), pa.table({
            "id": i, "customer": pc.remainder(pc.multiply(i, 7919), CUSTOMERS),
            "amount": pc.divide(pc.cast(pc.bit_wise_and(i, 1023), pa.float64()), 4.0),
            "day": pc.cast(pc.bit_wise_and(i, 511), pa.int32())}), mode="append")
    if DeltaTable(lake._storage.uri("bench.orders")).version() > 0:  # one pinned version of the rows
        DeltaTable(lake._storage.uri("bench.orders")).optimize.compact()


class LakeSide:
    """lakekit's transform on one engine, into a new version each call (full refresh)."""

    def __init__(self, root: str, engine: str) -> None:
        import lakekit as lk

        self.lake = lk.Lake(root, engine=engine)  # type: ignore[arg-type]
        self.transform(-1)

    def transform(self, r: int) -> None:
        self.lake.transform("bench.by_customer", SQL, dialect="duckdb", full_refresh=True)


class BareSpark:
    """What a user would write on Spark alone: the same files as views, the query, Parquet out."""

    def __init__(self, root: str) -> None:
        from lakekit.transform.spark import session

        self.spark = session("local[2]")
        self.root = root
        self.out = tempfile.mkdtemp(prefix="lakekit-bench-spark-")
        for table in ("orders", "customers"):
            files = DeltaTable(f"{root}/bench/{table}").file_uris()
            self.spark.read.parquet(*files).createOrReplaceTempView(table)
        self.transform(-1)

    def transform(self, r: int) -> None:
        sql = SQL.replace("bench.orders", "orders").replace("bench.customers", "customers")
        self.spark.sql(sql).write.mode("error").parquet(f"{self.out}/{r + 1}")


def main() -> None:
    if compare.missing("pyspark"):
        print("  not measured: pyspark missing (pip install -e '.[spark]')")
        return
    rows = int(os.environ.get("BENCH_ENGINE_ROWS", "5000000"))
    small = rows // 5
    with tempfile.TemporaryDirectory(prefix="lakekit-bench-engines-") as tmp:
        big_root, small_root = f"{tmp}/big", f"{tmp}/small"
        make_lake(big_root, rows)
        make_lake(small_root, small)
        print(f"join + group-by of {rows:,} orders with {CUSTOMERS:,} customers, {compare.ROUNDS} rounds")
        with compare.Worker("bench.engines:LakeSide", big_root, "spark") as spark_lake, \
                compare.Worker("bench.engines:BareSpark", big_root) as bare, \
                compare.Worker("bench.engines:LakeSide", big_root, "duckdb") as duck:
            s = compare.interleave({"lakekit-spark": lambda r: spark_lake.call("transform", r),
                                    "bare spark": lambda r: bare.call("transform", r),
                                    "lakekit-duckdb": lambda r: duck.call("transform", r)})
        print(compare.ratio_line("(a) lakekit on Spark ÷ bare Spark job", s["lakekit-spark"],
                                 {"bare spark": s["bare spark"]}, target=1.2))
        ratio = s["lakekit-spark"].median / s["lakekit-duckdb"].median
        print(f"  (b) Spark local[2] ÷ DuckDB: {s['lakekit-spark'].spread()} ÷ {s['lakekit-duckdb'].spread()} "
              f"= {ratio:.2f} (reported)")
        with compare.Worker("bench.engines:LakeSide", small_root, "spark") as spark_small:
            small_s = compare.interleave({"small": lambda r: spark_small.call("transform", r)})
        big_peak, small_peak = s["lakekit-spark"].peak, small_s["small"].peak
        print(f"  (c) driver peak RSS, lakekit on Spark: {small:,} rows {small_peak:.0f} MB, "
              f"{rows:,} rows {big_peak:.0f} MB = {big_peak / small_peak:.2f}x "
              f"(rise during the call {small_s['small'].rise:.0f} / {s['lakekit-spark'].rise:.0f} MB)")


if __name__ == "__main__":
    main()
