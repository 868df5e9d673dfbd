"""Statement kinds beyond the query: scripts, warn mode, the placeholder target, composition."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakekit.errors import SqlError
from lakekit.lineage import QUERY_TARGET, LineageWarning, column_lineage

from .conftest import edges

SCHEMA = {"raw.users": {"id": "int", "email": "text"}}


def test_warn_mode_returns_the_statements_it_could_analyse_and_warns_per_other_and_per_guess():
    sql = ("CREATE TABLE a AS SELECT u.id FROM raw.users AS u;\n"
           "CREATE TABLE b AS SELECT u.nope FROM raw.users AS u;\n"
           "CREATE TABLE c AS SELECT (u.id FROM raw.users AS u;\n"
           "CREATE TABLE d AS SELECT u.email FROM raw.users AS u")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = column_lineage(sql, schema=SCHEMA, errors="warn")
    assert set(got) == edges("raw.users.id -> a.id direct identity", "raw.users.email -> d.email direct identity",
                             "raw.users.nope -> b.nope direct identity")
    messages = sorted(str(w.message) for w in caught if issubclass(w.category, LineageWarning))
    assert len(messages) == 2
    assert messages[0].startswith("cannot parse SQL in statement 3") and "line 3" in messages[0]
    assert "unknown column 'nope' of table 'raw.users'" in messages[1] and "line 2" in messages[1]
    with pytest.raises(SqlError, match="cannot parse SQL in statement 3"):
        column_lineage(sql, schema=SCHEMA)


def test_errors_must_be_strict_or_warn():
    with pytest.raises(Exception, match="errors= is 'strict' or 'warn'"):
        column_lineage("SELECT 1 AS x", errors="ignore")  # type: ignore[arg-type]


def test_plain_select_writes_the_placeholder_unless_a_target_is_named():
    assert QUERY_TARGET == "<query>"
    assert {e.target_table for e in column_lineage("SELECT u.id FROM raw.users AS u")} == {QUERY_TARGET}
    assert {e.target_table for e in column_lineage("SELECT u.id FROM raw.users AS u", target="X.Y")} == {"x.y"}


def test_unresolved_marks_only_guesses():
    got = column_lineage("CREATE TABLE o AS SELECT *, t.k FROM t")
    assert {(e.source_column, e.target_column, e.unresolved) for e in got} == {("*", "*", True), ("k", "k", False)}


_POOL = [
    "CREATE TABLE m.a AS SELECT u.id, lower(u.email) AS email FROM raw.users AS u WHERE u.ok",
    "INSERT INTO m.b (k, v) SELECT o.id, SUM(o.amount) FROM raw.orders AS o GROUP BY o.id",
    "UPDATE m.a SET email = s.email FROM raw.signups AS s WHERE m.a.id = s.user_id",
    "DELETE FROM m.b WHERE v < 0",
    "MERGE INTO m.a AS t USING raw.users AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET email = s.email",
    "CREATE VIEW m.v (x, y) AS (SELECT b.k, b.v FROM m.b AS b)",
]


@settings(max_examples=40)
@given(st.lists(st.sampled_from(_POOL), min_size=1, max_size=5))
def test_a_script_has_the_edges_of_its_statements(statements: list[str]):
    """Statements composed into a script, or into a BigQuery BEGIN … END block, give the union
    of their edges alone."""
    alone: set = set()
    for statement in statements:
        alone |= set(column_lineage(statement, dialect="bigquery"))
    assert set(column_lineage(";\n".join(statements), dialect="bigquery")) == alone
    block = "BEGIN\n" + "".join(f"  {s};\n" for s in statements) + "END;"
    assert set(column_lineage(block, dialect="bigquery")) == alone


@settings(max_examples=40)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True),
       st.sampled_from(["postgres", "snowflake", "bigquery", "duckdb"]))
def test_update_set_values_flow_into_their_columns(columns: list[str], dialect: str):
    sets = ", ".join(f"{c} = s.{c}_new" for c in columns)
    got = set(column_lineage(f"UPDATE t SET {sets} FROM s WHERE t.id = s.id", dialect=dialect))
    expected = {f"s.{c}_new -> t.{c} direct identity" for c in columns}
    expected |= {"t.id -> t.* indirect filter", "s.id -> t.* indirect filter"}
    assert got == edges(*expected)


def test_a_column_a_subquery_does_not_output_is_an_error_or_in_warn_mode_a_warning():
    sql = ("CREATE TABLE o AS SELECT d.a, u.b FROM (SELECT t.a FROM t) AS d\n"
           "JOIN u ON d.nope = u.id")
    with pytest.raises(SqlError, match=r"unknown column 'nope' of 'd' in statement 1 \(writing o\) at line 2, col"):
        column_lineage(sql)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = column_lineage(sql, errors="warn")
    assert [str(w.message) for w in caught if issubclass(w.category, LineageWarning)] == [
        "unknown column 'nope' of 'd' in statement 1 (writing o) at line 2, column 13"]
    assert set(got) == edges("t.a -> o.a direct identity", "u.b -> o.b direct identity", "u.id -> o.* indirect join")


def _warned(sql: str, dialect: str | None = None, schema: dict | None = None) -> tuple[set, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = set(column_lineage(sql, dialect=dialect, schema=schema, errors="warn"))
    return got, [str(w.message) for w in caught if issubclass(w.category, LineageWarning)]


def test_warn_mode_trusts_the_query_over_a_schema_that_lacks_a_column_and_keeps_the_statement():
    sql = "CREATE TABLE o AS SELECT u.id, greatest(u.email, u.gone) AS m, other FROM raw.users AS u"
    with pytest.raises(SqlError, match=r"unknown column 'gone' of table 'raw\.users'"):
        column_lineage(sql, schema=SCHEMA)
    got, messages = _warned(sql, schema=SCHEMA)
    assert got == edges("raw.users.id -> o.id direct identity", "raw.users.email -> o.m direct transformation",
                        "raw.users.gone -> o.m direct transformation")
    assert len(messages) == 2
    assert "unknown column 'gone' of table 'raw.users'" in messages[0]
    assert "unknown column 'other'" in messages[1]


def test_warn_mode_reads_a_column_spelled_otherwise_but_for_case_as_the_schemas_one():
    schema = {"db.s.orders": {"orderkey": "int", "TotalPrice": "float"}}
    sql = 'CREATE TABLE x AS SELECT SUM(o."totalprice") AS total, MAX(TotalPrice) AS top FROM db.s.orders AS o'
    got, messages = _warned(sql, dialect="snowflake", schema=schema)
    assert got == edges("db.s.orders.TotalPrice -> x.total direct aggregation",
                        "db.s.orders.TotalPrice -> x.top direct aggregation")
    assert len(messages) == 2 and all("unknown column" in m for m in messages)


@pytest.mark.parametrize(("dialect", "sql"), [
    ("tsql", "INSERT INTO dbo.target SELECT c.id, j.value FROM dbo.customers AS c "
             "CROSS APPLY OPENJSON(c.payload) AS j"),
    ("postgres", "INSERT INTO target SELECT c.id, j.value FROM customers AS c, LATERAL json_each(c.payload) AS j"),
])
def test_a_column_of_a_table_function_of_unknown_outputs_is_built_from_its_arguments(dialect: str, sql: str):
    got = {(e.source_column, e.target_column, e.kind, e.subtype) for e in column_lineage(sql, dialect=dialect)}
    assert got == {("id", "id", "direct", "identity"), ("payload", "value", "direct", "transformation")}


def test_a_snowflake_semantic_view_is_read_as_the_view():
    sql = ("SELECT organization_id, month, active_users FROM SEMANTIC_VIEW(m.s.sv METRICS active_users "
           "DIMENSIONS organization_id, date_trunc('month', time) AS month) WHERE organization_id > 3")
    got = {(e.source_table, e.source_column, e.target_column, e.kind) for e in column_lineage(sql, dialect="snowflake")}
    assert got == {("m.s.sv", "organization_id", "organization_id", "direct"), ("m.s.sv", "month", "month", "direct"),
                   ("m.s.sv", "active_users", "active_users", "direct"), ("m.s.sv", "organization_id", "*", "indirect")}


def test_a_tsql_procedure_is_read_from_its_text_and_returns_its_result_sets():
    """sqlglot drops the statements of a T-SQL ``BEGIN TRY`` block and fails on a parameter's
    default and on ``UPDATE TOP``: the body's text is read instead, and a failing statement costs
    only itself (in warn mode)."""
    sql = """CREATE PROCEDURE dbo.p @since DATE = '2024-01-01' AS
BEGIN
  BEGIN TRY
    SELECT c.id, c.name INTO #recent FROM dbo.customers AS c WHERE c.status = 'DELETE';
    UPDATE TOP (100) dbo.stage SET done = 1 WHERE done = 0;
    DELETE dbo.stage WHERE done = = 1;
    SELECT s.id FROM dbo.stage AS s
  END TRY
  BEGIN CATCH
    THROW;
  END CATCH
END"""
    got, messages = _warned(sql, dialect="tsql")
    assert {(e.source_table, e.source_column, e.target_table, e.target_column) for e in got if e.kind == "direct"} == {
        ("dbo.customers", "id", "recent", "id"), ("dbo.customers", "name", "recent", "name"),
        ("dbo.stage", "id", QUERY_TARGET, "id")}
    assert ("dbo.stage", "done", "dbo.stage", "*") in {
        (e.source_table, e.source_column, e.target_table, e.target_column) for e in got if e.kind == "indirect"}
    assert len(messages) == 1 and "cannot parse SQL" in messages[0]
    with pytest.raises(SqlError, match="cannot parse SQL"):
        column_lineage(sql, dialect="tsql")


def test_without_a_schema_a_column_several_tables_could_hold_is_named_not_guessed():
    sql = "CREATE TABLE o AS SELECT a, y.b FROM x JOIN y ON x.k = y.k"
    got, messages = _warned(sql)
    assert got == edges("y.b -> o.b direct identity", "x.k -> o.* indirect join", "y.k -> o.* indirect join")
    assert messages == ["ambiguous column 'a' left without lineage: it could belong to x, y (a schema tells) "
                        "in statement 1 (writing o) at line 1, column 26"]
    with_schema = column_lineage(sql, schema={"x": {"a": "int", "k": "int"}, "y": {"b": "int", "k": "int"}})
    assert "x.a -> o.a direct identity" in {f"{e.source_table}.{e.source_column} -> {e.target_table}."
                                            f"{e.target_column} {e.kind} {e.subtype}" for e in with_schema}
