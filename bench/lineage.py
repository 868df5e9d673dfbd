"""Bench: full column lineage of a wide query over a chain of 5 CTEs, against the tools a user
would pick instead.

At 50/100/200/300 output columns: ``lakekit.lineage.column_lineage`` (direct + indirect, all
columns at once); ``sqlglot.lineage.lineage()`` called once per output column (direct lineage
only; each call re-parses and re-qualifies the whole query, so it is timed on ``SQLGLOT_SAMPLE``
columns spread over the list and scaled to all columns); and sqllineage's column lineage of the
whole statement (``LineageRunner(..., dialect="non-validating")``, the faster of its parsers; at
50 and 100 columns only, it takes seconds). Contenders interleaved, ``BENCH_ROUNDS`` rounds,
medians (min-max). Run: ``python -m bench.lineage``.
"""

from __future__ import annotations

import time

from sqlglot.lineage import lineage as sqlglot_lineage

from bench import compare
from lakekit.lineage import column_lineage

WIDTHS = (50, 100, 200, 300)
BUDGET_SECONDS = 1.0
SQLGLOT_SAMPLE = 6
SQLLINEAGE_UP_TO = 100


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


def _sqlglot_per_column(sql: str, schema: dict[str, dict[str, str]], width: int) -> float:
    """Seconds for ``sqlglot.lineage()`` once per output column (scaled from a sample)."""
    select = sql[sql.index(" AS WITH ") + 4:]
    sample = [f"c{i}" for i in range(0, width, max(1, width // SQLGLOT_SAMPLE))][:SQLGLOT_SAMPLE]
    start = time.perf_counter()
    for column in sample:
        sqlglot_lineage(column, select, schema=schema)
    return (time.perf_counter() - start) * width / len(sample)


def _lakekit(sql: str, schema: dict[str, dict[str, str]]) -> None:
    column_lineage(sql, schema=schema)


def _sqllineage(sql: str) -> None:
    from sqllineage.runner import LineageRunner

    LineageRunner(sql, dialect="non-validating").get_column_lineage()


def main() -> None:
    absent = compare.missing("sqllineage")
    if absent:
        compare.say_missing("sqllineage", absent)
    print(f"lineage: wide query over 5 CTEs, {compare.ROUNDS} rounds interleaved, median (min-max) seconds; "
          f"sqlglot.lineage() per column scaled from {SQLGLOT_SAMPLE} columns")
    results = []
    for width in WIDTHS:
        sql, schema = wide_query(width)
        contenders = {"lakekit": lambda _r, sql=sql, schema=schema: _lakekit(sql, schema),
                      "sqlglot": lambda _r, sql=sql, schema=schema, w=width: _sqlglot_per_column(sql, schema, w)}
        if not absent and width <= SQLLINEAGE_UP_TO:
            contenders["sqllineage"] = lambda _r, sql=sql: _sqllineage(sql)
        s = compare.interleave(contenders)
        results.append((width, s["lakekit"].median))
        peers = {k: v for k, v in s.items() if k != "lakekit"}
        print(compare.ratio_line(f"{width:>3} columns", s["lakekit"], peers) + "   " +
              "  ".join(f"{k} {v.spread()}" for k, v in peers.items()))
    (w0, t0), (w1, t1) = results[0], results[-1]
    growth = (t1 / t0) / (w1 / w0)
    verdict = "ok" if t1 < BUDGET_SECONDS else "OVER BUDGET"
    print(f"  lakekit at {w1} columns: {t1:.3f} s ({verdict}, budget {BUDGET_SECONDS} s); "
          f"growth {w0}->{w1} columns = {growth:.2f} x linear")


if __name__ == "__main__":
    main()
