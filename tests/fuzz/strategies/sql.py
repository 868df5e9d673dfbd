"""SQL over the fixture lake: time travel of every dialect, deep nesting, literals planted with the
marker, garbage, truncation and sandbox escapes."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.fuzz.cases import MARKER, Case, Step
from tests.fuzz.fixture import FIXTURE_TABLES

# ---------------------------------------------------------------------------------------------
# SQL


MAX_ARG = 100_000
DIALECTS = [None, "duckdb", "spark", "databricks", "snowflake", "bigquery", "postgres", "mysql", "tsql", "hive",
            "trino", "nosuch", ""]
DQ_STRINGS = {"spark", "databricks", "bigquery", "mysql", "hive"}

number_texts = st.one_of(
    st.integers(-5, 5).map(str),
    st.sampled_from(["1000", "2147483648", "9223372036854775807", "9223372036854775808", "18446744073709551616",
                     "10000000000", "99999999999999999999", "-1", "-9223372036854775808", "1e300", "-1e300", "1e-300",
                     "1.5", "0.0", "'nan'", "'inf'", "NULL", "1+1", "(SELECT 1)", "id", "'x'", f"'{MARKER}'",
                     "CAST('1' AS INT)", "2::BIGINT", "-(-3)", "''", "+", "TRUE"]))
time_texts = st.sampled_from([
    "'2024-01-01'", "'2024-01-01T00:00:00Z'", "'0001-01-01'", "'9999-12-31 23:59:59'", "'1970-01-01'",
    "'2262-04-12'", "'1677-09-21'", "'294247-01-10'", "'-infinity'", "'infinity'", "'epoch'", f"'{MARKER}'",
    "'2024-13-45'", "NULL", "CURRENT_TIMESTAMP", "now()", "'2024-01-01'::TIMESTAMP + INTERVAL 1 DAY", "1", "1e300",
    "TIMESTAMP '2024-01-01 00:00:00'", "'2024-01-01T00:00:00+14:00'"])


@st.composite
def time_travel(draw: st.DrawFn, dialect: str | None) -> str:
    n, ts = draw(number_texts), draw(time_texts)
    forms = {
        "spark": [f"VERSION AS OF {n}", f"TIMESTAMP AS OF {ts}"],
        "databricks": [f"VERSION AS OF {n}", f"TIMESTAMP AS OF {ts}"],
        "duckdb": [f"FOR VERSION AS OF {n}", f"FOR TIMESTAMP AS OF {ts}", f"AT (VERSION => {n})",
                   f"AT (TIMESTAMP => {ts})"],
        "snowflake": [f"AT (VERSION => {n})", f"AT (TIMESTAMP => {ts})", f"AT (OFFSET => {n})",
                      f"BEFORE (VERSION => {n})", f"BEFORE (TIMESTAMP => {ts})", f"AT (STATEMENT => {n})"],
        "bigquery": [f"FOR SYSTEM_TIME AS OF {ts}", f"FOR SYSTEM_TIME AS OF {n}"],
    }
    options = [*forms.get(dialect or "duckdb", forms["duckdb"]), "FOR VERSION AS OF", "VERSION AS", "AT (",
               "AT (OFFSET =>", "FOR SYSTEM_TIME", "FOR"]
    return draw(st.sampled_from(options))


def _deep_sql(kind: str, depth: int, table: str) -> str:
    if kind == "parens":
        return f"SELECT {'(' * depth}1{')' * depth} AS x"
    if kind == "subquery":
        return "SELECT * FROM " + "(SELECT * FROM " * depth + table + ") t" * depth + " x"
    if kind == "not":
        return f"SELECT * FROM {table} WHERE " + "NOT " * depth + "id = 1"
    if kind == "or":
        return f"SELECT * FROM {table} WHERE " + " OR ".join(f"id = {i}" for i in range(depth))
    if kind == "case":
        return "SELECT " + "CASE WHEN id = 1 THEN " * depth + "1" + " END" * depth + f" FROM {table}"
    if kind == "func":
        return "SELECT " + "abs(" * depth + "id" + ")" * depth + f" FROM {table}"
    if kind == "union":
        return " UNION ALL ".join(f"SELECT id FROM {table}" for _ in range(depth))
    return "SELECT " + "1 + " * depth + "1"


@st.composite
def sql_queries(draw: st.DrawFn) -> tuple[str, str | None]:
    dialect = draw(st.sampled_from(DIALECTS))
    table = draw(st.sampled_from([*FIXTURE_TABLES, "fz.nosuch", "nosuch", "FZ.PLAIN", '"fz"."plain"', "`fz`.`plain`",
                                  "fz.plain.extra", "cat.fz.plain", "_lakekit.loads", "_lakekit.audit"]))
    shape = draw(st.sampled_from(["travel", "travel", "travel", "select", "select", "deep", "literal", "garbage",
                                  "truncated", "sandbox", "multi"]))
    if shape == "travel":
        sql = f"SELECT * FROM {table} {draw(time_travel(dialect))}"
        if draw(st.booleans()):
            sql += f" JOIN {table} {draw(time_travel(dialect))} AS b USING (id)"
    elif shape == "select":
        cols = draw(st.sampled_from(["*", "count(*)", "id", "email", "country", "CAST(email AS INTEGER)",
                                     "CAST(country AS DATE)", "s.k", "l[1]", "sum(amount)", "email || 'x'",
                                     "upper(email)", "1/0", "CAST(id AS TINYINT) * 1000"]))
        where = draw(st.sampled_from(["", "WHERE country = 'FI'", "WHERE email LIKE '%x%'", "WHERE id IN (1, 2)",
                                      f"WHERE email = '{MARKER}@example.com'", "WHERE CAST(email AS INT) = 1",
                                      "WHERE country IN ('FI', 'SE')", "WHERE country = 1",
                                      "ORDER BY country", "GROUP BY country", "WHERE email > 5"]))
        sql = f"SELECT {cols} FROM {table} {where}"
    elif shape == "deep":
        sql = _deep_sql(draw(st.sampled_from(["parens", "subquery", "not", "or", "case", "func", "union", "plus"])),
                        draw(st.sampled_from([10, 100, 500, 1000, 3000, 10_000])), table)
        sql = sql[:MAX_ARG]  # one argv string: Linux takes at most 128 KiB (MAX_ARG_STRLEN)
    elif shape == "literal":
        quote = '"' if dialect in DQ_STRINGS and draw(st.booleans()) else "'"
        lit = f"{quote}{MARKER}{draw(st.sampled_from(['', '@example.com', ' x', '-1']))}{quote}"
        sql = draw(st.sampled_from([f"SELECT CAST({lit} AS INTEGER)", f"SELECT * FROM {table} WHERE id = {lit}",
                                    f"SELECT CAST({lit} AS DATE) FROM {table}", f"SELECT {lit} + 1",
                                    f"SELECT * FROM {table} WHERE email = {lit} AND CAST(email AS INT) > 0",
                                    f"SELECT strptime({lit}, '%Y')", f"SELECT * FROM {table} AT (TIMESTAMP => {lit})",
                                    f"SELECT * FROM {table} VERSION AS OF {lit}", f"SELECT {lit}::UUID",
                                    f"SELECT * FROM {table} WHERE {lit}"]))
    elif shape == "garbage":
        pieces = st.sampled_from([*"SELECT FROMWHERE()*,.'\"`;[]{}-/0123456789 \n", "SELECT ", " FROM ", table,
                                  " VERSION AS OF ", "'", ";"])
        sql = "".join(draw(st.lists(pieces, max_size=30)))
    elif shape == "truncated":
        full = f"SELECT a.id, b.email FROM {table} VERSION AS OF 1 a JOIN {table} FOR VERSION AS OF 0 b ON a.id = b.id"
        sql = full[: draw(st.integers(0, len(full)))]
    elif shape == "sandbox":
        sql = draw(st.sampled_from(["SELECT * FROM read_csv('/etc/passwd')", "COPY (SELECT 1) TO 'x.csv'",
                                    "ATTACH 'x.db'",
                                    "SELECT * FROM 'lake/fz/plain/_delta_log/00000000000000000000.json'",
                                    "INSTALL httpfs", "SELECT getenv('HOME')", "PRAGMA version",
                                    "CREATE TABLE x AS SELECT 1", f"DELETE FROM {table}",
                                    f"SELECT * FROM {table}; DROP TABLE {table}", "SET enable_external_access=true",
                                    "SELECT * FROM glob('*')", "CALL pragma_version()"]))
    else:
        sql = "; ".join([f"SELECT * FROM {table}"] * draw(st.integers(0, 3)))
    return sql, dialect


@st.composite
def sql_cases(draw: st.DrawFn) -> Case:
    sql, dialect = draw(sql_queries())
    if "\x00" in sql:
        sql = sql.replace("\x00", "")
    argv = ["sql", "--json", "--limit", str(draw(st.sampled_from([0, 5, 100])))]
    if dialect is not None:
        argv += ["--dialect", dialect]
    return Case("sql", [Step(argv, [sql], expect="any")], lake="fixture")
