"""Errors, never guesses: each names the column, the statement and the position."""

from __future__ import annotations

import pytest

from lakekit.errors import LakekitError, SqlError, UsageError
from lakekit.lineage import column_lineage


def test_unparseable_sql_names_statement_and_position():
    with pytest.raises(SqlError) as info:
        column_lineage("CREATE TABLE a AS SELECT 1 AS x;\nCREATE TABLE b AS SELECT (x FROM t")
    err = info.value
    assert (err.line, err.col) == (2, 29)
    assert "statement 2" in str(err) and "line 2, column 29" in str(err)
    assert isinstance(err, LakekitError)


def test_unknown_column_with_schema():
    sql = "CREATE TABLE o AS\nSELECT id, nope FROM raw.users"
    with pytest.raises(SqlError) as info:
        column_lineage(sql, schema={"raw.users": {"id": "int"}})
    err = info.value
    assert err.column == "nope" and (err.line, err.col) == (2, 12)
    assert "unknown column 'nope' in statement 1 (writing o)" in str(err) and "SELECT" not in str(err)


def test_unknown_qualified_column_with_schema():
    with pytest.raises(SqlError, match=r"unknown column 'nope' of table 'raw.users'.*line 1, column 34") as info:
        column_lineage("CREATE TABLE o AS SELECT u.id, u.nope FROM raw.users AS u",
                       schema={"raw": {"users": {"id": "int"}}})
    assert info.value.column == "nope"


def test_ambiguous_column_with_schema_names_candidates():
    sql = "CREATE TABLE o AS SELECT a.id, x FROM raw.a AS a JOIN raw.b AS b ON a.id = b.id"
    with pytest.raises(SqlError) as info:
        column_lineage(sql, schema={"raw.a": {"id": "int", "x": "int"}, "raw.b": {"id": "int", "x": "int"}})
    err = info.value
    assert err.column == "x" and (err.line, err.col) == (1, 32)
    assert "ambiguous column 'x': it could belong to raw.a, raw.b" in str(err)
    assert "statement 1" in str(err)


def test_unqualified_column_resolves_when_schema_settles_it():
    edges = column_lineage("CREATE TABLE o AS SELECT x FROM raw.a AS a JOIN raw.b AS b ON a.id = b.id",
                           schema={"raw.a": {"id": "int"}, "raw.b": {"id": "int", "x": "int"}})
    assert ("raw.b", "x", "x") in {(e.source_table, e.source_column, e.target_column) for e in edges}


def test_unknown_dialect():
    with pytest.raises(UsageError, match="unknown SQL dialect 'nosuch'"):
        column_lineage("SELECT 1", dialect="nosuch", target="o")


def test_insert_width_mismatch():
    with pytest.raises(SqlError, match="2 target columns but the query gives 1"):
        column_lineage("INSERT INTO o (a, b) SELECT t.x FROM t")


def test_bad_schema_shape():
    with pytest.raises(SqlError, match="not a mapping of columns"):
        column_lineage("SELECT 1 AS x", schema={"t": "oops"}, target="o")


def test_errors_never_quote_the_sql_text():
    sql = "CREATE TABLE o AS SELECT nope FROM raw.users WHERE email = 'alice@example.com'"
    with pytest.raises(SqlError) as info:
        column_lineage(sql, schema={"raw.users": {"id": "int", "email": "text"}})
    assert "alice" not in str(info.value) and info.value.column == "nope"


def test_pivot_without_schema_names_the_construct():
    with pytest.raises(SqlError, match=r"PIVOT over raw.sales needs its columns: pass them in schema"):
        column_lineage("CREATE TABLE o AS SELECT p.q1 FROM raw.sales PIVOT (SUM(amount) FOR quarter IN ('q1')) AS p",
                       dialect="snowflake")
    with pytest.raises(SqlError, match=r"PIVOT over a subquery needs its columns: list them instead of \*"):
        column_lineage("CREATE TABLE o AS SELECT * FROM (SELECT * FROM raw.w) PIVOT (SUM(v) FOR k IN ('a'))",
                       dialect="duckdb")


def test_pivot_with_run_time_columns_is_refused():
    schema = {"raw.sales": {"region": "text", "quarter": "text", "amount": "int"}}
    for values in ("ANY ORDER BY quarter", "SELECT q.quarter FROM raw.quarters AS q"):
        with pytest.raises(SqlError, match=r"a PIVOT whose IN list is computed when it runs"):
            column_lineage(f"CREATE TABLE o AS SELECT * FROM raw.sales PIVOT (SUM(amount) FOR quarter IN ({values}))",
                           dialect="snowflake", schema=schema)


@pytest.mark.parametrize("sql", [
    "CREATE TABLE o AS PIVOT raw.sales ON quarter USING SUM(amount)",
    "CREATE TABLE o AS SELECT * FROM (UNPIVOT raw.wide ON q1, q2 INTO NAME quarter VALUE amount)",
    "PIVOT raw.sales ON quarter USING SUM(amount)",
])
def test_duckdb_pivot_statement_is_refused(sql):
    with pytest.raises(SqlError, match=r"statement 1.*DuckDB's PIVOT / UNPIVOT statement is not supported"):
        column_lineage(sql, dialect="duckdb", target="o")


def test_undefined_named_window():
    with pytest.raises(SqlError, match=r"window 'w' is not defined"):
        column_lineage("CREATE TABLE o AS SELECT SUM(e.a) OVER w AS s FROM raw.e AS e", dialect="postgres")


def test_quoted_schema_names_are_case_sensitive_in_postgres():
    with pytest.raises(SqlError, match=r"unknown column 'userid' of table 'raw.users'"):
        column_lineage("CREATE TABLE o AS SELECT u.userid FROM raw.users AS u", dialect="postgres",
                       schema={"raw.users": {"UserId": "int"}})


@pytest.mark.parametrize("sql", [
    "UPDATE raw.users SET email = 'alice@example.com' WHERE nope = 1",
    "CREATE TABLE o AS SELECT nope FROM raw.users WHERE email = 'alice@example.com'",
    "DELETE FROM raw.users WHERE email = 'alice@example.com' AND nope",
    "CREATE TABLE o AS SELECT email FROM raw.users WHERE email = 'alice@example.com' AND (",
])
def test_errors_never_quote_the_sql_whose_literals_may_be_personal_data(sql: str) -> None:
    with pytest.raises(SqlError) as caught:
        column_lineage(sql, schema={"raw.users": {"email": "text"}} if "nope" in sql else None)
    assert "alice" not in str(caught.value)
