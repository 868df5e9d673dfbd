"""Bad SQL and versions are one-line errors that keep the engine's words with the literals masked:
deep nesting, absurd versions, offsets and timestamps, truncated time travel, values in messages.

The version cases once hung (delta-rs walks every version up to the one asked for: ~20 s for
10⁸); here they must fail without reaching it."""

from __future__ import annotations

from pathlib import Path

import pytest

import lakekit as lk
from lakekit.errors import LakekitError, SqlError, UsageError, VersionNotFound

SECRET = "zz-secret-42"


@pytest.fixture
def users(lake: lk.Lake, tmp_path: Path) -> lk.Lake:
    (tmp_path / "u.csv").write_text(f"id,email\n1,{SECRET}@example.com\n2,b@example.com\n")
    lake.ingest("t.users", str(tmp_path / "u.csv"))
    lake.ingest("t.users", str(tmp_path / "u.csv"), mode="overwrite")
    return lake


def _one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and SECRET not in text
    return text


@pytest.mark.parametrize("sql", [
    "SELECT " + "(" * 200 + "1" + ")" * 200,
    "SELECT " + "abs(" * 40 + "1" + ")" * 40,
    "SELECT " + "CASE WHEN id > 0 THEN " * 40 + "1" + " END" * 40 + " FROM t.users",
    "SELECT * FROM " + "(SELECT * FROM " * 40 + "t.users" + ") t" * 40,
    "SELECT * FROM t.users WHERE " + " AND ".join(["(id = 1"] * 50) + ")" * 50,
])
def test_deep_nesting_is_refused_before_the_parser_recurses(users: lk.Lake, sql: str) -> None:
    with pytest.raises(SqlError, match="nested deeper than 32 levels") as caught:
        users.sql(sql)
    _one_line(caught.value)
    with pytest.raises(SqlError, match="nested deeper than 32 levels"):
        users.transform("t.out", sql, dialect="duckdb")
    assert users.sql("SELECT " + "(" * 30 + "1" + ")" * 30 + " AS x").column("x").to_pylist() == [1]


@pytest.mark.parametrize(("sql", "dialect", "error"), [
    ("SELECT * FROM t.users VERSION AS OF 10000000000", "spark", VersionNotFound),
    ("SELECT * FROM t.users VERSION AS OF 99999999999999999999", "spark", VersionNotFound),
    ("SELECT * FROM t.users VERSION AS OF -1", "spark", VersionNotFound),
    ("SELECT * FROM t.users AT (OFFSET => 1e300)", "snowflake", VersionNotFound),
    ("SELECT * FROM t.users AT (OFFSET => -1e300)", "snowflake", VersionNotFound),
    ("SELECT * FROM t.users BEFORE (VERSION => 0)", "snowflake", VersionNotFound),
    ("SELECT * FROM t.users FOR TIMESTAMP AS OF '294247-01-10'", "duckdb", SqlError),
    ("SELECT * FROM t.users FOR TIMESTAMP AS OF '1970-01-01'", "duckdb", VersionNotFound),
    (f"SELECT * FROM t.users FOR TIMESTAMP AS OF '{SECRET}'", "duckdb", SqlError),
    ("SELECT * FROM t.users FOR VERSION", "duckdb", SqlError),
    ("SELECT * FROM t.users VERSION AS", "spark", SqlError),
    (f"SELECT * FROM t.users VERSION AS OF '{SECRET}'", "spark", SqlError),
])
def test_absurd_time_travel_is_a_one_line_error(users: lk.Lake, sql: str, dialect: str,
                                                error: type[LakekitError]) -> None:
    with pytest.raises(error) as caught:
        users.sql(sql, dialect=dialect)
    _one_line(caught.value)


@pytest.mark.parametrize(("version", "as_of"), [(10**10, None), (2**63, None), (10**30, None), (-1, None),
                                                (None, "0001-01-01T00:00:00-14:00"), (None, "9999-12-31T23:59:59")])
def test_absurd_versions_of_a_read(users: lk.Lake, version: int | None, as_of: str | None) -> None:
    if as_of == "9999-12-31T23:59:59":
        assert users.read("t.users", as_of=as_of).num_rows == 2
        return
    with pytest.raises(VersionNotFound) as caught:
        users.read("t.users", version=version, as_of=as_of)
    _one_line(caught.value)
    assert users.read("t.users", version=0).num_rows == 2


def test_engine_messages_are_kept_with_literals_masked(users: lk.Lake) -> None:
    with pytest.raises(SqlError, match=r"statement 1: DuckDB cannot run this duckdb SQL \(Conversion Error: Could not "
                                       r"convert string '…' to INT32") as e:
        users.sql("SELECT CAST(email AS INTEGER) FROM t.users")
    _one_line(e.value)
    with pytest.raises(LakekitError, match="Conversion Error") as e:
        users.read("t.users", filter="CAST(email AS INTEGER) = 1")
    _one_line(e.value)
    with pytest.raises(SqlError) as e:
        users.sql(f'SELECT CAST("{SECRET}" AS INT64) AS x', dialect="bigquery")
    _one_line(e.value)
    with pytest.raises(SqlError, match="cannot parse SQL") as e:
        users.sql(f"SELECT * FROM t.users WHERE email = '{SECRET}' AND AND")
    _one_line(e.value)
    with pytest.raises(SqlError) as e:
        users.sql(f"SELECT id FROM t.users WHERE id = 4 + '{SECRET}' * 3")
    _one_line(e.value)
    with pytest.raises(UsageError, match="unknown SQL dialect"):
        users.sql("SELECT 1", dialect=f"x{SECRET}")
