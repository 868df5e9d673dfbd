"""Dialect conformance: what each warehouse's documentation says a construct returns, value and
type, computed by hand over one small table; a construct lakekit cannot keep is refused, naming
it and the dialect."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import lakekit as lk
from lakekit.errors import SqlError, UsageError

EVENTS = pa.table({
    "id": pa.array([1, 2], pa.int64()),
    "props": ['{"page": "/checkout", "n": 3, "items": [{"sku": "a"}, {"sku": "b"}]}',
              '{"page": "/home", "n": 0, "items": []}'],
    "ts": pa.array([datetime(2024, 3, 15, 10, 30), datetime(2024, 2, 29, 23, 59, 59)], pa.timestamp("us")),
    "d": pa.array([date(2024, 3, 15), date(2024, 2, 29)], pa.date32()),
    "arr": pa.array([[10, 20, 30], []], pa.list_(pa.int64())),
    "amount": pa.array([5, 7], pa.int64()),
})

I64, I32, STR, DATE, F64 = pa.int64(), pa.int32(), pa.string(), pa.date32(), pa.float64()

# (dialect, SQL, expected rows, expected column types) — values from each warehouse's documentation.
CONFORMANCE = [
    # Snowflake: a VARIANT path cast to STRING is the value, not its JSON text.
    ("snowflake", "SELECT e.props:page::STRING AS p, e.props:n::INT AS n FROM raw.events e ORDER BY e.id",
     [("/checkout", 3), ("/home", 0)], [STR, I32]),
    # FLATTEN: one row per element, INDEX from 0; OUTER => TRUE keeps the row with nothing to flatten.
    ("snowflake", "SELECT e.id, f.index AS i, f.value:sku::STRING AS sku FROM raw.events e, "
                  "LATERAL FLATTEN(input => PARSE_JSON(e.props):items) f ORDER BY 1, 2",
     [(1, 0, "a"), (1, 1, "b")], [I64, I64, STR]),
    ("snowflake", "SELECT e.id, f.index AS i, f.value::INT AS v FROM raw.events e, "
                  "LATERAL FLATTEN(input => e.arr, outer => TRUE) f ORDER BY 1, 2",
     [(1, 0, 10), (1, 1, 20), (1, 2, 30), (2, None, None)], [I64, I64, I32]),
    ("snowflake", "SELECT e.id, f.value::INT AS v FROM raw.events e, TABLE(FLATTEN(e.arr)) f ORDER BY 1, 2",
     [(1, 10), (1, 20), (1, 30)], [I64, I32]),
    # COUNT_IF is a count; DATE_TRUNC and DATEADD of a DATE are DATEs.
    ("snowflake", "SELECT COUNT_IF(amount > 5) AS c FROM raw.events", [(1,)], [I64]),
    ("snowflake", "SELECT id, COUNT_IF(amount > 5) OVER () AS c, COUNT_IF(amount > 6) OVER (PARTITION BY id) AS p "
                  "FROM raw.events ORDER BY id", [(1, 1, 0), (2, 1, 1)], [I64, I64, I64]),
    ("snowflake", "SELECT DATE_TRUNC('MONTH', d) AS m, DATEADD(day, 1, d) AS n FROM raw.events ORDER BY id",
     [(date(2024, 3, 1), date(2024, 3, 16)), (date(2024, 2, 1), date(2024, 3, 1))], [DATE, DATE]),
    ("snowflake", "SELECT ADD_MONTHS(d, 1) AS m, DAYOFWEEK(d) AS w FROM raw.events ORDER BY id",
     [(date(2024, 4, 15), 5), (date(2024, 3, 31), 4)], [DATE, I64]),
    ("snowflake", "SELECT id FROM raw.events QUALIFY ROW_NUMBER() OVER (ORDER BY amount DESC) = 1", [(2,)], [I64]),
    ("snowflake", "SELECT IFF(amount > 5, 'big', 'small') AS s, DIV0(amount, 0) AS z FROM raw.events ORDER BY id",
     [("small", 0.0), ("big", 0.0)], [STR, pa.float64()]),
    # BigQuery: WITH OFFSET counts from 0; OFFSET/ORDINAL/SAFE_OFFSET index from 0/1/0 (NULL past the end).
    ("bigquery", "SELECT x, off FROM raw.events, UNNEST(arr) AS x WITH OFFSET AS off ORDER BY off",
     [(10, 0), (20, 1), (30, 2)], [I64, I64]),
    ("bigquery", "SELECT arr[OFFSET(0)] AS a, arr[ORDINAL(1)] AS b, arr[SAFE_OFFSET(5)] AS c FROM raw.events "
                 "WHERE id = 1", [(10, 10, None)], [I64, I64, I64]),
    # DATE_TRUNC and DATE_ADD of a DATE are DATEs; COUNTIF, SUM of INT64 and DIV are INT64.
    ("bigquery", "SELECT DATE_TRUNC(DATE(ts), MONTH) AS m, DATE_ADD(d, INTERVAL 1 DAY) AS n FROM raw.events "
                 "ORDER BY id", [(date(2024, 3, 1), date(2024, 3, 16)), (date(2024, 2, 1), date(2024, 3, 1))],
     [DATE, DATE]),
    ("bigquery", "SELECT COUNTIF(amount > 5) AS c, SUM(IF(amount > 5, 1, 0)) AS s, SUM(amount) AS t, "
                 "DIV(7, 2) AS q FROM raw.events", [(1, 1, 12, 3)], [I64, I64, I64, I64]),
    ("bigquery", "SELECT id, COUNTIF(amount > 5) OVER () AS c, SUM(amount) OVER (ORDER BY id) AS t FROM raw.events "
                 "ORDER BY id", [(1, 1, 5), (2, 1, 12)], [I64, I64, I64]),
    # The day of the week: 1 on Sunday (2024-03-15 is a Friday); Spark's and MySQL's WEEKDAY: 0 on Monday.
    ("bigquery", "SELECT EXTRACT(DAYOFWEEK FROM d) AS w FROM raw.events WHERE id = 1", [(6,)], [I64]),
    ("spark", "SELECT dayofweek(d) AS w, weekday(d) AS k, extract(DAYOFWEEK FROM d) AS e FROM raw.events "
              "WHERE id = 1", [(6, 4, 6)], [I64, I64, I64]),
    ("tsql", "SELECT DATEPART(weekday, d) AS w FROM raw.events WHERE id = 1", [(6,)], [I64]),
    ("mysql", "SELECT DAYOFWEEK(d) AS w, WEEKDAY(d) AS k FROM raw.events WHERE id = 1", [(6, 4)], [I64, I64]),
    # 1-based string positions; ASC puts NULLs first; / is a FLOAT64 division.
    ("bigquery", "SELECT STRPOS('abc', 'b') AS p, SUBSTR('abc', 2, 1) AS s, 7 / 2 AS f", [(2, "b", 3.5)],
     [I64, STR, pa.float64()]),
    ("bigquery", "SELECT x FROM UNNEST([3, NULL, 1]) AS x ORDER BY x", [(None,), (1,), (3,)], [I64]),
    # BigQuery has one integer type and one float type: INT64, FLOAT64.
    ("bigquery", "SELECT 1 AS a, MOD(7, 2) AS b, ABS(-3) AS c, CAST(1.5 AS FLOAT64) AS d, LENGTH('ab') AS e",
     [(1, 1, 3, 1.5, 2)], [I64, I64, I64, F64, I64]),
    # Postgres: a generate_series date spine; a correlated LATERAL subquery.
    ("postgres", "SELECT d::date AS day FROM generate_series(DATE '2024-01-01', DATE '2024-01-03', "
                 "INTERVAL '1 day') AS g(d)", [(date(2024, 1, 1),), (date(2024, 1, 2),), (date(2024, 1, 3),)], [DATE]),
    ("postgres", "SELECT u.id, x.n FROM raw.events u CROSS JOIN LATERAL (SELECT count(*) AS n FROM raw.events o "
                 "WHERE o.amount >= u.amount) x ORDER BY u.id", [(1, 2), (2, 1)], [I64, I64]),
    # Postgres and T-SQL: an integer divided by an integer is an integer, truncated toward zero.
    ("postgres", "SELECT 7 / 2 AS i, -7 / 2 AS n, 7.0 / 2 AS f, amount / 2 AS c FROM raw.events ORDER BY id",
     [(3, -3, 3.5, 2), (3, -3, 3.5, 3)], [I32, I32, pa.float64(), I64]),
    ("tsql", "SELECT 7 / 2 AS i", [(3,)], [I32]),
    ("tsql", "SELECT CAST(amount AS VARCHAR(MAX)) AS s, CAST(id AS NVARCHAR(max)) AS t FROM raw.events WHERE id = 1",
     [("5", "1")], [STR, STR]),
    # NULL ordering: Spark and BigQuery put NULLs first in ascending order, Snowflake and Postgres last.
    ("spark", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) ORDER BY x",
     [(None,), (1,), (3,)], [I32]),
    ("snowflake", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) ORDER BY x",
     [(1,), (3,), (None,)], [I32]),
    ("snowflake", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) ORDER BY x DESC",
     [(None,), (3,), (1,)], [I32]),
    # SAFE_ functions give NULL where the plain one fails; 1-based positions, 0 read as 1 by Snowflake and Spark.
    ("bigquery", "SELECT SAFE_DIVIDE(amount, 0) AS a, SAFE_DIVIDE(amount, 2) AS b, SAFE_CAST('x' AS INT64) AS c "
                 "FROM raw.events ORDER BY id", [(None, 2.5, None), (None, 3.5, None)], [F64, F64, I64]),
    ("snowflake", "SELECT SUBSTR('abcdef', 0, 2) AS a, SUBSTR('abcdef', 1, 2) AS b, CHARINDEX('c', 'abcdef') AS c",
     [("ab", "ab", 3)], [STR, STR, I64]),
    ("spark", "SELECT substring('abcdef', 0, 2) AS a, locate('c', 'abcdef') AS c", [("ab", 3)], [STR, I64]),
    # Month boundaries: DATEDIFF counts boundaries crossed; LAST_DAY of a leap February.
    ("snowflake", "SELECT DATEDIFF(month, '2024-01-31'::DATE, '2024-02-01'::DATE) AS m, "
                  "LAST_DAY('2024-02-10'::DATE) AS l",
     [(1, date(2024, 2, 29))], [I64, DATE]),
    ("bigquery", "SELECT STRUCT(1 AS a, 'x' AS b).b AS s", [("x",)], [STR]),
    # Postgres WITH ORDINALITY counts from 1.
    ("postgres", "SELECT v, n FROM raw.events e, unnest(e.arr) WITH ORDINALITY AS u(v, n) ORDER BY n",
     [(10, 1), (20, 2), (30, 3)], [I64, I64]),
    # DuckDB range; Spark SUM of BIGINT and DIV are BIGINT, / is a DOUBLE division.
    ("duckdb", "SELECT range AS r FROM range(3)", [(0,), (1,), (2,)], [I64]),
    ("spark", "SELECT SUM(amount) AS t, 7 DIV 2 AS q, 7 / 2 AS f FROM raw.events", [(12, 3, 3.5)],
     [I64, I64, pa.float64()]),
    # JSON paths: the value, not its JSON text; a path past the end is NULL.
    ("postgres", "SELECT props::json->>'page' AS p, (props::json->>'n')::int AS n FROM raw.events ORDER BY id",
     [("/checkout", 3), ("/home", 0)], [STR, I32]),
    ("bigquery", "SELECT JSON_VALUE(props, '$.page') AS p, JSON_EXTRACT_SCALAR(props, '$.items[1].sku') AS s "
                 "FROM raw.events ORDER BY id", [("/checkout", "b"), ("/home", None)], [STR, STR]),
    ("spark", "SELECT get_json_object(props, '$.page') AS p, get_json_object(props, '$.items[0].sku') AS s "
              "FROM raw.events ORDER BY id", [("/checkout", "a"), ("/home", None)], [STR, STR]),
    # Spark's LATERAL VIEW: posexplode counts from 0; OUTER keeps the row whose array is empty.
    ("spark", "SELECT e.id, pos, v FROM raw.events e LATERAL VIEW posexplode(e.arr) t AS pos, v ORDER BY pos",
     [(1, 0, 10), (1, 1, 20), (1, 2, 30)], [I64, I64, I64]),
    ("spark", "SELECT e.id, v FROM raw.events e LATERAL VIEW OUTER explode(e.arr) t AS v ORDER BY e.id, v",
     [(1, 10), (1, 20), (1, 30), (2, None)], [I64, I64]),
    ("spark", "SELECT e.id, v FROM raw.events e LATERAL VIEW explode_outer(e.arr) t AS v WHERE e.id = 2",
     [(2, None)], [I64, I64]),
    # PIVOT / UNPIVOT: a column per pivoted value; a row per unpivoted column.
    ("snowflake", "SELECT * FROM (SELECT id, amount FROM raw.events) PIVOT (SUM(amount) FOR id IN (1, 2)) AS p",
     [(5, 7)], [pa.decimal128(38, 0), pa.decimal128(38, 0)]),  # Snowflake's SUM of NUMBER(38,0)
    ("snowflake", "SELECT id, k, v FROM (SELECT id, amount AS a, amount * 2 AS b FROM raw.events) "
                  "UNPIVOT (v FOR k IN (a, b)) ORDER BY id, k",
     [(1, "a", 5), (1, "b", 10), (2, "a", 7), (2, "b", 14)], [I64, STR, I64]),
    ("bigquery", "SELECT id, k, v FROM (SELECT id, amount AS a, amount * 2 AS b FROM raw.events) "
                 "UNPIVOT (v FOR k IN (a, b)) ORDER BY id, k",
     [(1, "a", 5), (1, "b", 10), (2, "a", 7), (2, "b", 14)], [I64, STR, I64]),
    # Date and time arithmetic and truncation.
    ("postgres", "SELECT d + INTERVAL '1 month' AS n, d + 1 AS p FROM raw.events ORDER BY id",
     [(datetime(2024, 4, 15), date(2024, 3, 16)), (datetime(2024, 3, 29), date(2024, 3, 1))],
     [pa.timestamp("us"), DATE]),  # date + interval is a timestamp, date + integer a date
    ("bigquery", "SELECT DATETIME_ADD(ts, INTERVAL 1 HOUR) AS a, DATE_DIFF(DATE '2024-03-01', d, DAY) AS dd "
                 "FROM raw.events ORDER BY id",
     [(datetime(2024, 3, 15, 11, 30), -14), (datetime(2024, 3, 1, 0, 59, 59), 1)], [pa.timestamp("us"), I64]),
    ("snowflake", "SELECT DATE_TRUNC('HOUR', ts) AS h, TIMESTAMPADD(hour, 1, ts) AS a, DAYOFYEAR(d) AS y "
                  "FROM raw.events ORDER BY id",
     [(datetime(2024, 3, 15, 10), datetime(2024, 3, 15, 11, 30), 75),
      (datetime(2024, 2, 29, 23), datetime(2024, 3, 1, 0, 59, 59), 60)], [pa.timestamp("us"), pa.timestamp("us"), I64]),
    ("spark", "SELECT date_trunc('MONTH', ts) AS m, trunc(d, 'MM') AS t, trunc(d, 'YYYY') AS y, date_add(d, 1) AS n, "
              "date_sub(d, 1) AS p, add_months(d, 1) AS a FROM raw.events WHERE id = 2",
     [(datetime(2024, 2, 1), date(2024, 2, 1), date(2024, 1, 1), date(2024, 3, 1), date(2024, 2, 28),
       date(2024, 3, 29))], [pa.timestamp("us"), DATE, DATE, DATE, DATE, DATE]),
    # Conditional aggregates.
    ("postgres", "SELECT count(*) FILTER (WHERE amount > 5) AS c, sum(amount) FILTER (WHERE id = 1) AS s "
                 "FROM raw.events", [(1, 5)], [I64, pa.decimal128(38, 0)]),  # sum(bigint) is a numeric
    ("spark", "SELECT count_if(amount > 5) AS c, sum(IF(amount > 5, 1, 0)) AS s FROM raw.events", [(1, 1)],
     [I64, I64]),
    # Array positions: Postgres and DuckDB from 1 (NULL past the end), Snowflake from 0.
    ("postgres", "SELECT arr[1] AS a, arr[4] AS b FROM raw.events WHERE id = 1", [(10, None)], [I64, I64]),
    ("spark", "SELECT arr[0] AS a, element_at(arr, 1) AS b, get(arr, 2) AS c, get(arr, 3) AS d, get(arr, -1) AS e "
              "FROM raw.events WHERE id = 1", [(10, 10, 30, None, None)], [I64, I64, I64, I64, I64]),
    ("duckdb", "SELECT arr[1] AS a, arr[-1] AS b FROM raw.events WHERE id = 1", [(10, 30)], [I64, I64]),
    ("snowflake", "SELECT arr[0]::INT AS a, GET(arr, 1)::INT AS b FROM raw.events WHERE id = 1", [(10, 20)],
     [I32, I32]),
    ("bigquery", "SELECT ARRAY_LENGTH(arr) AS n, ARRAY_TO_STRING(['a', 'b'], '-') AS j FROM raw.events ORDER BY id",
     [(3, "a-b"), (0, "a-b")], [I64, STR]),
    # 1-based string positions.
    ("postgres", "SELECT strpos('abc', 'c') AS p, position('b' in 'abc') AS q, substr('abcdef', 2, 3) AS s",
     [(3, 2, "bcd")], [I64, I64, STR]),
    ("tsql", "SELECT CHARINDEX('c', 'abcdef') AS c, SUBSTRING('abcdef', 2, 3) AS s, LEFT('abc', 2) AS l",
     [(3, "bcd", "ab")], [I64, STR, STR]),
    ("spark", "SELECT instr('abcdef', 'c') AS i, substr('abcdef', -2) AS s", [(3, "ef")], [I64, STR]),
    # Integer division: MySQL's DIV and DuckDB's // truncate, their / divides exactly.
    ("mysql", "SELECT 7 DIV 2 AS q, 7 / 2 AS f, 7 % 3 AS m", [(3, 3.5, 1)], [I32, F64, I32]),
    ("duckdb", "SELECT 7 // 2 AS q, 7 / 2 AS f", [(3, 3.5)], [I32, F64]),
    # NULL ordering: Postgres and DuckDB last in ascending order (first descending), T-SQL and MySQL first;
    # BigQuery last descending.
    ("postgres", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) t ORDER BY x",
     [(1,), (3,), (None,)], [I32]),
    ("postgres", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) t ORDER BY x DESC",
     [(None,), (3,), (1,)], [I32]),
    ("tsql", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) t ORDER BY x",
     [(None,), (1,), (3,)], [I32]),
    ("mysql", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) t ORDER BY x",
     [(None,), (1,), (3,)], [I32]),
    ("duckdb", "SELECT x FROM (SELECT 3 AS x UNION ALL SELECT NULL UNION ALL SELECT 1) t ORDER BY x",
     [(1,), (3,), (None,)], [I32]),
    ("bigquery", "SELECT x FROM UNNEST([3, NULL, 1]) AS x ORDER BY x DESC", [(3,), (1,), (None,)], [I64]),
    # QUALIFY in BigQuery, DuckDB and Databricks; a comma LATERAL subquery; a BigQuery date spine.
    ("bigquery", "SELECT id FROM raw.events WHERE TRUE QUALIFY ROW_NUMBER() OVER (ORDER BY amount) = 1", [(1,)],
     [I64]),
    ("duckdb", "SELECT id FROM raw.events QUALIFY row_number() OVER (ORDER BY amount) = 1", [(1,)], [I64]),
    ("databricks", "SELECT id FROM raw.events QUALIFY row_number() OVER (ORDER BY amount DESC) = 1", [(2,)], [I64]),
    ("postgres", "SELECT u.id, x.m FROM raw.events u, LATERAL (SELECT max(o.amount) AS m FROM raw.events o "
                 "WHERE o.id <= u.id) x ORDER BY u.id", [(1, 5), (2, 7)], [I64, I64]),
    ("bigquery", "SELECT d FROM UNNEST(GENERATE_DATE_ARRAY(DATE '2024-02-27', DATE '2024-03-01', INTERVAL 1 DAY)) "
                 "AS d WHERE d > DATE '2024-02-28' ORDER BY d", [(date(2024, 2, 29),), (date(2024, 3, 1),)], [DATE]),
    ("bigquery", "SELECT SAFE.PARSE_DATE('%Y-%m-%d', 'x') AS a, SAFE.PARSE_DATE('%Y-%m-%d', '2024-02-29') AS b",
     [(None, date(2024, 2, 29))], [DATE, DATE]),
    # Snowflake's TRY_ functions: NULL where the plain one fails.
    ("snowflake", "SELECT TRY_CAST('x' AS INT) AS a, TRY_TO_NUMBER('12') AS b", [(None, 12)],
     [I32, pa.decimal128(38, 0)]),
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> lk.Lake:
    root = tmp_path_factory.mktemp("conformance")
    pq.write_table(EVENTS, root / "events.parquet")
    lake = lk.Lake(root / "lake")
    lake.ingest("raw.events", str(root / "events.parquet"))
    return lake


@pytest.mark.parametrize(("dialect", "sql", "rows", "types"), CONFORMANCE,
                         ids=[f"{d}-{i}" for i, (d, *_rest) in enumerate(CONFORMANCE)])
def test_conformance(lake: lk.Lake, dialect: str, sql: str, rows: list[tuple], types: list[pa.DataType]):
    result = lake.sql(sql, dialect=dialect)
    assert [tuple(row.values()) for row in result.to_pylist()] == rows
    assert [field.type for field in result.schema] == types


@pytest.mark.parametrize(("dialect", "sql", "refusal"), [
    ("snowflake", "SELECT f.path FROM raw.events e, LATERAL FLATTEN(input => e.arr) f",
     "Snowflake FLATTEN's PATH column is not supported"),
    ("snowflake", "SELECT f.value FROM raw.events e, LATERAL FLATTEN(input => e.arr, recursive => TRUE) f",
     "Snowflake FLATTEN with RECURSIVE is not supported"),
    ("snowflake", "SELECT * FROM TABLE(GENERATOR(ROWCOUNT => 3))", "Snowflake TABLE(GENERATOR(…)) is not supported"),
    ("spark", "SELECT v FROM raw.events e LATERAL VIEW OUTER posexplode(e.arr) t AS p, v",
     "spark LATERAL VIEW OUTER is only supported over explode(…) AS one column"),
])
def test_constructs_lakekit_cannot_keep_are_refused(lake: lk.Lake, dialect: str, sql: str, refusal: str):
    with pytest.raises(SqlError, match=refusal.replace("(", r"\(").replace(")", r"\)")):
        lake.sql(sql, dialect=dialect)


def test_table_functions_that_read_files_are_refused_by_their_name(lake: lk.Lake):
    with pytest.raises(UsageError, match="not the table function read_csv"):
        lake.sql("SELECT * FROM read_csv('x.csv')", dialect="duckdb")


def test_a_transform_runs_flatten_lateral_and_a_date_spine(lake: lk.Lake, tmp_path: Path):
    flat = lake.transform("mart.skus", "SELECT e.id, f.index AS i, f.value::INT AS v FROM raw.events e, "
                                       "LATERAL FLATTEN(input => e.arr) f", dialect="snowflake")
    assert sorted(lake.sql("SELECT id, i, v FROM mart.skus", dialect="duckdb").to_pylist(),
                  key=lambda r: r["i"]) == [{"id": 1, "i": 0, "v": 10}, {"id": 1, "i": 1, "v": 20},
                                            {"id": 1, "i": 2, "v": 30}]
    assert {(e.source_table, e.source_column, e.target_column) for e in flat.edges if e.kind == "direct"} == {
        ("raw.events", "id", "id"), ("raw.events", "arr", "i"), ("raw.events", "arr", "v")}
    spine = lake.transform("mart.spine", "SELECT g.dd::date AS day, count(e.id) AS n FROM generate_series("
                                         "DATE '2024-02-28', DATE '2024-03-01', INTERVAL '1 day') AS g(dd) "
                                         "LEFT JOIN raw.events e ON e.d = g.dd::date GROUP BY 1", dialect="postgres")
    assert spine.inputs == {"raw.events": 0}
    got = sorted(lake.sql("SELECT day, n FROM mart.spine", dialect="duckdb").to_pylist(), key=lambda r: r["day"])
    assert got == [{"day": date(2024, 2, 28), "n": 0}, {"day": date(2024, 2, 29), "n": 1},
                   {"day": date(2024, 3, 1), "n": 0}]


def test_a_transform_runs_a_correlated_lateral_subquery(lake: lk.Lake):
    result = lake.transform("mart.ranks", "SELECT u.id, x.n FROM raw.events u CROSS JOIN LATERAL "
                                          "(SELECT count(*) AS n FROM raw.events o WHERE o.amount >= u.amount) x",
                            dialect="postgres")
    assert sorted(lake.sql("SELECT id, n FROM mart.ranks").to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "n": 2}, {"id": 2, "n": 1}]
    # an aggregate without GROUP BY gives every outer row one row: the lateral's WHERE decides n, not the rows
    assert {(e.source_column, e.target_column, e.kind) for e in result.edges} == {
        ("id", "id", "direct"), ("amount", "n", "indirect")}
