"""Bench: full column lineage of a wide query over a chain of 5 CTEs.

Prints the time of ``lakekit.lineage.column_lineage`` (direct + indirect, all columns at
once) at 50/100/200/300 output columns, and, on the same queries, the time of
``sqlglot.lineage.lineage()`` called once per output column (direct lineage only), as
the ratio lakekit has to beat. Each sqlglot call re-parses and re-qualifies the whole
query, so its cost per column is the same for every column: it is timed on
``SQLGLOT_SAMPLE`` columns spread over the list and scaled to all columns (a full run at
300 columns takes minutes). Run: ``python -m bench.lineage``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlglot.lineage import lineage as sqlglot_lineage

from lakekit.lineage import column_lineage

WIDTHS = (50, 100, 200, 300)
BUDGET_SECONDS = 1.0
SQLGLOT_SAMPLE = 6


def wide_query(width: int) -> tuple[str, dict[str, dict[str, str]]]:
    """``CREATE TABLE … AS`` with ``width`` output columns over 5 chained CTEs, and its schema."""
    cols = [f"c{i}" for i in range(width)]
    schema = {
        "raw.events": {"k": "int", "ts": "timestamp", "flag": "boolean", **dict.fromkeys(cols, "int")},
        "raw.dim": {"k": "int", "region": "text", "active": "boolean"},
    }
    s1 = ", ".join(f"e.{c} AS {c}_a" for c in cols)
    s2 = ", ".join(f"{c}_a + 1 AS {c}_b" if i % 3 == 0 else f"{c}_a AS {c}_b" for i, c in enumerate(cols))
    s3 = ", ".join(f"CASE WHEN d.active THEN s2.{c}_b END AS {c}_c" if i % 5 == 0 else f"s2.{c}_b AS {c}_c"
                   for i, c in enumerate(cols))
    s4 = ", ".join(f"SUM({c}_c) OVER (PARTITION BY k ORDER BY ts) AS {c}_d" if i % 7 == 0 else f"{c}_c AS {c}_d"
                   for i, c in enumerate(cols))
    s5 = ", ".join(f"COALESCE({c}_d, 0) AS {c}_e" if i % 2 == 0 else f"{c}_d AS {c}_e" for i, c in enumerate(cols))
    final = ", ".join(f"{c}_e AS {c}" for c in cols)
    sql = (
        f"CREATE TABLE features.wide AS WITH "
        f"s1 AS (SELECT e.k AS k, e.ts AS ts, {s1} FROM raw.events AS e WHERE e.flag), "
        f"s2 AS (SELECT k, ts, {s2} FROM s1), "
        f"s3 AS (SELECT s2.k AS k, s2.ts AS ts, d.region AS region, {s3} FROM s2 JOIN raw.dim AS d ON s2.k = d.k), "
        f"s4 AS (SELECT k, ts, region, {s4} FROM s3), "
        f"s5 AS (SELECT k, ts, region, {s5} FROM s4 WHERE region <> 'test') "
        f"SELECT {final} FROM s5 ORDER BY k"
    )
    return sql, schema


def _timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _sqlglot_per_column(sql: str, schema: dict[str, dict[str, str]], width: int) -> float:
    """Seconds for ``sqlglot.lineage()`` once per output column (scaled from a sample)."""
    select = sql[sql.index(" AS WITH ") + 4:]
    sample = [f"c{i}" for i in range(0, width, max(1, width // SQLGLOT_SAMPLE))][:SQLGLOT_SAMPLE]
    start = time.perf_counter()
    for column in sample:
        sqlglot_lineage(column, select, schema=schema)
    return (time.perf_counter() - start) * width / len(sample)


def main() -> None:
    print(f"lineage: wide query over 5 CTEs; lakekit best of 3, sqlglot.lineage() per column "
          f"scaled from {SQLGLOT_SAMPLE} columns")
    print(f"{'columns':>8} {'lakekit s':>10} {'per col ms':>11} {'sqlglot s':>10} {'ratio':>7}")
    results = []
    for width in WIDTHS:
        sql, schema = wide_query(width)
        ours = _timed(lambda sql=sql, schema=schema: column_lineage(sql, schema=schema))
        theirs = _sqlglot_per_column(sql, schema, width)
        results.append((width, ours))
        print(f"{width:>8} {ours:>10.3f} {1000 * ours / width:>11.2f} {theirs:>10.2f} {theirs / ours:>6.0f}x")
    (w0, t0), (w1, t1) = results[0], results[-1]
    growth = (t1 / t0) / (w1 / w0)
    verdict = "ok" if t1 < BUDGET_SECONDS else "OVER BUDGET"
    print(f"lakekit at {w1} columns: {t1:.3f} s ({verdict}, budget {BUDGET_SECONDS} s); "
          f"growth {w0}->{w1} columns = {growth:.2f} x linear")


if __name__ == "__main__":
    main()
