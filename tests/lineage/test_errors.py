"""Errors, never guesses: each names the column, the statement and the position."""

from __future__ import annotations

import pytest

from lakekit.errors import LakekitError, SqlError
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


def test_ambiguous_column_without_schema_names_candidates():
    sql = "CREATE TABLE o AS SELECT a.id, x FROM raw.a AS a JOIN raw.b AS b ON a.id = b.id"
    with pytest.raises(SqlError) as info:
        column_lineage(sql)
    err = info.value
    assert err.column == "x" and (err.line, err.col) == (1, 32)
    assert "ambiguous column 'x': it could belong to raw.a, raw.b" in str(err)
    assert "statement 1" in str(err)


def test_unqualified_column_resolves_when_schema_settles_it():
    edges = column_lineage("CREATE TABLE o AS SELECT x FROM raw.a AS a JOIN raw.b AS b ON a.id = b.id",
                           schema={"raw.a": {"id": "int"}, "raw.b": {"id": "int", "x": "int"}})
    assert ("raw.b", "x", "x") in {(e.source_table, e.source_column, e.target_column) for e in edges}


def test_star_over_unknown_table_is_an_error():
    with pytest.raises(SqlError, match=r"needs the columns of table 'raw.users': pass them in schema"):
        column_lineage("CREATE TABLE o AS SELECT * FROM raw.users")


def test_plain_select_without_target():
    with pytest.raises(SqlError, match="names no target table: pass target"):
        column_lineage("SELECT 1 AS x")


def test_update_is_refused():
    with pytest.raises(SqlError, match="UPDATE is not supported"):
        column_lineage("UPDATE t SET a = 1")


def test_unknown_dialect():
    with pytest.raises(SqlError, match="unknown SQL dialect 'nosuch'"):
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
