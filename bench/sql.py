"""``lake.sql`` on the 22 TPC-H queries ÷ DuckDB's ``read_parquet`` over the same Delta version's files.

Each side is a worker process (its own peak RSS); per query the two run interleaved for
``BENCH_ROUNDS`` rounds (see :mod:`bench.compare`). Goals: ≤ 1.1 for the 22 queries in total,
≤ 1.3 for any one, peak RSS ≤ 1.2x.
"""

from __future__ import annotations

from bench import compare, tpch
from bench.tpch_queries import QUERIES


def main() -> None:
    root = tpch.ready("TPC-H SQL")
    if root is None:
        return
    print(f"lake.sql ÷ DuckDB read_parquet, TPC-H SF{tpch.SF}, {compare.ROUNDS} rounds interleaved, "
          "median (min-max) seconds, peak RSS MB")
    ours_total, duck_total, worst, peak_ratio, top = 0.0, 0.0, (0.0, 0), (0.0, 0), [0.0, 0.0]
    with compare.Worker("bench.tpch:LakeSide", str(root)) as lake, \
            compare.Worker("bench.tpch:DuckSide", str(root)) as duck:
        for k in QUERIES:  # a warm-up of each: both read the files once, so the page cache is equal
            lake.call("sql", k)
            duck.call("sql", k)
        for k in QUERIES:
            s = compare.interleave({"lakekit": lambda _r, k=k: lake.call("sql", k),
                                    "duckdb": lambda _r, k=k: duck.call("sql", k)})
            ratio = s["lakekit"].median / s["duckdb"].median
            peaks = s["lakekit"].peak / s["duckdb"].peak
            ours_total += s["lakekit"].median
            duck_total += s["duckdb"].median
            worst = max(worst, (ratio, k))
            peak_ratio = max(peak_ratio, (peaks, k))
            top = [max(top[0], s['lakekit'].peak), max(top[1], s['duckdb'].peak)]
            print(f"  Q{k:<2} lakekit {s['lakekit'].spread()}  duckdb {s['duckdb'].spread()}  ratio {ratio:.2f}  "
                  f"RSS {s['lakekit'].peak:.0f}/{s['duckdb'].peak:.0f} MB = {peaks:.2f}, "
                  f"rise {s['lakekit'].rise:.0f}/{s['duckdb'].rise:.0f} MB")
    print(f"  total of medians: lakekit {ours_total:.2f} s ÷ duckdb {duck_total:.2f} s = "
          f"{ours_total / duck_total:.2f} (goal ≤ 1.1); worst query Q{worst[1]} {worst[0]:.2f} (goal ≤ 1.3); "
          f"worst peak RSS Q{peak_ratio[1]} {peak_ratio[0]:.2f} (goal ≤ 1.2)")
    print(f"  highest peak RSS over the 22: lakekit {top[0]:.0f} MB ÷ {top[1]:.0f} MB = {top[0] / top[1]:.2f}")
    tpch.clean(root)


if __name__ == "__main__":
    main()
