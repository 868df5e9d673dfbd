"""``lake.transform`` on the 22 TPC-H queries ÷ what a user would write instead: DuckDB's
``read_parquet`` over the same Delta version's files, its result streamed into ``write_deltalake``.

The baseline uses nothing of lakekit (its views are made from ``DeltaTable.file_uris()`` before the
clock starts). Each side is a worker process (its own peak RSS), interleaved per query for
``BENCH_ROUNDS`` rounds; every round writes a new table, as a new transform would. Goal: ≤ 1.15 in
total, peak RSS ≤ 1.2x. Then, on a 1,000-row table, the fixed cost a transform adds (parse, pin,
transpile, lineage, validation, index rows; goal ≤ 0.1 s) and the skip path (the same SQL over the
same versions again).
"""

from __future__ import annotations

import tempfile
import time

import duckdb
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from bench import compare, tpch
from bench.tpch_queries import QUERIES

SMALL_SQL = "SELECT k, count(*) AS n, sum(id) AS total FROM raw.small GROUP BY k"


def tpch_ratios() -> None:
    root = tpch.ready("TPC-H transforms")
    if root is None:
        return
    print(f"lake.transform ÷ (DuckDB read_parquet + write_deltalake), TPC-H SF{tpch.SF}, {compare.ROUNDS} rounds")
    ours_total, duck_total, worst_peak, top = 0.0, 0.0, (0.0, 0), [0.0, 0.0]
    with compare.Worker("bench.tpch:LakeSide", str(root)) as lake, \
            compare.Worker("bench.tpch:DuckSide", str(root)) as duck:
        for k in QUERIES:
            s = compare.interleave({"lakekit": lambda r, k=k: lake.call("transform", k, r),
                                    "duckdb": lambda r, k=k: duck.call("transform", k, r)})
            ours_total += s["lakekit"].median
            duck_total += s["duckdb"].median
            peaks = s["lakekit"].peak / s["duckdb"].peak
            worst_peak = max(worst_peak, (peaks, k))
            top = [max(top[0], s['lakekit'].peak), max(top[1], s['duckdb'].peak)]
            print(f"  Q{k:<2} lakekit {s['lakekit'].spread()}  duckdb+write {s['duckdb'].spread()}  "
                  f"ratio {s['lakekit'].median / s['duckdb'].median:.2f}  "
                  f"RSS {s['lakekit'].peak:.0f}/{s['duckdb'].peak:.0f} MB = {peaks:.2f}, "
                  f"rise {s['lakekit'].rise:.0f}/{s['duckdb'].rise:.0f} MB")
    print(f"  total of medians: lakekit {ours_total:.2f} s ÷ duckdb + write_deltalake {duck_total:.2f} s = "
          f"{ours_total / duck_total:.2f} (goal ≤ 1.15); worst peak RSS Q{worst_peak[1]} {worst_peak[0]:.2f} "
          "(goal ≤ 1.2)")
    print(f"  highest peak RSS over the 22: lakekit {top[0]:.0f} MB ÷ {top[1]:.0f} MB = {top[0] / top[1]:.2f}")
    tpch.clean(root)


def fixed_cost() -> None:
    import lakekit as lk

    with tempfile.TemporaryDirectory(prefix="lakekit-bench-") as tmp:
        lake = lk.Lake(f"{tmp}/lake")
        write_deltalake(lake._storage.uri("raw.small"), pa.table({"id": range(1000), "k": ["a", "b"] * 500}))
        con = duckdb.connect()
        files = DeltaTable(lake._storage.uri("raw.small")).file_uris()
        con.execute(f"CREATE VIEW small AS SELECT * FROM read_parquet({files!r})")
        lake.transform("out.warm", SMALL_SQL, dialect="duckdb")

        def ours(r: int) -> None:
            lake.transform(f"out.t{r}", SMALL_SQL, dialect="duckdb")

        def theirs(r: int) -> None:
            write_deltalake(f"{tmp}/plain/t{r}", con.sql(SMALL_SQL.replace("raw.small", "small")).to_arrow_reader())

        s = compare.interleave({"lakekit": ours, "duckdb+write": theirs}, rounds=max(compare.ROUNDS, 9))
        print(f"  fixed cost of a transform (1,000 rows): lakekit {s['lakekit'].spread(1000, 'ms', 1)} - "
              f"duckdb+write {s['duckdb+write'].spread(1000, 'ms', 1)} = "
              f"{(s['lakekit'].median - s['duckdb+write'].median) * 1000:.1f} ms (goal ≤ 100 ms)")
        t0 = time.perf_counter()
        assert lake.transform("out.t0", SMALL_SQL, dialect="duckdb").skipped
        print(f"  skip path (same SQL, same input versions): {(time.perf_counter() - t0) * 1000:.1f} ms")


def main() -> None:
    tpch_ratios()
    fixed_cost()


if __name__ == "__main__":
    main()
