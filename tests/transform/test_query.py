"""Read-only SQL over lake tables: time travel in every dialect, version joins, refusals, errors, CLI."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import SqlError, TableNotFound, UsageError, VersionNotFound
from lakekit.transform import query as q

# raw.users: v0 ids 1-2 · v1 append 3-4 · v2 overwrite 2, 3 (renamed), 10 · v3 append 11
USERS = [
    [(1, "ann"), (2, "bob")],
    [(3, "cy"), (4, "dee")],
    [(2, "bobby"), (3, "cyrus"), (10, "eve")],
    [(11, "fay")],
]
EXPECTED = {0: USERS[0], 1: USERS[0] + USERS[1], 2: USERS[2], 3: USERS[2] + USERS[3]}


def write_csv(path: Path, rows: list[tuple[int, str]]) -> str:
    path.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows))
    return str(path)


def rows(table: pa.Table) -> list[tuple[int, str]]:
    return sorted((r["id"], r["name"]) for r in table.select(["id", "name"]).to_pylist())


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build_users(root: Path, src: Path) -> tuple[lk.Lake, dict[int, datetime]]:
    """The four versions above; returns the lake and each version's commit time."""
    lake = lk.Lake(root)
    src.mkdir(parents=True)
    for version, batch in enumerate(USERS):
        source = src / f"users{version}.csv"
        if version == 3:  # one parquet source, to mix formats
            pq.write_table(pa.table({"id": [i for i, _ in batch], "name": [n for _, n in batch]}),
                           source := src / "users3.parquet")
        else:
            write_csv(source, batch)
        result = lake.ingest("raw.users", str(source), mode="overwrite" if version == 2 else "append")
        assert result.version == version
        time.sleep(0.01)  # distinct commit milliseconds
    stamps = {e.version: e.timestamp for e in lake.history("raw.users")}
    assert len(set(stamps.values())) == len(USERS)
    return lake, stamps


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> tuple[lk.Lake, dict[int, datetime]]:
    base = tmp_path_factory.mktemp("query")
    return build_users(base / "lake", base / "src")


@pytest.fixture
def lake(users: tuple[lk.Lake, dict[int, datetime]]) -> lk.Lake:
    return users[0]


def iso(when: datetime) -> str:
    return when.isoformat()


# (dialect, FROM clause) for version v, given the commit times; every form must read exactly version v.
Form = Callable[[int, dict[int, datetime]], str]
FORMS: dict[str, tuple[str, Form]] = {
    "spark version": ("spark", lambda v, ts: f"raw.users VERSION AS OF {v}"),
    "spark timestamp": ("spark", lambda v, ts: f"raw.users TIMESTAMP AS OF '{iso(ts[v])}'"),
    "databricks version": ("databricks", lambda v, ts: f"raw.users VERSION AS OF {v} AS u"),
    "databricks timestamp": ("databricks", lambda v, ts: f"raw.users TIMESTAMP AS OF '{iso(ts[v])}' u"),
    "duckdb for version": ("duckdb", lambda v, ts: f"raw.users FOR VERSION AS OF {v}"),
    "duckdb for timestamp": ("duckdb", lambda v, ts: f"raw.users FOR TIMESTAMP AS OF TIMESTAMPTZ '{iso(ts[v])}'"),
    "duckdb at version": ("duckdb", lambda v, ts: f"raw.users AT (VERSION => {v})"),
    "snowflake at version": ("snowflake", lambda v, ts: f"raw.users AT(VERSION => {v}) u"),
    "snowflake at timestamp": ("snowflake", lambda v, ts: f"raw.users AT(TIMESTAMP => '{iso(ts[v])}'::TIMESTAMP_TZ)"),
    "snowflake at to_timestamp": (
        "snowflake", lambda v, ts: f"raw.users AT(TIMESTAMP => TO_TIMESTAMP_TZ('{iso(ts[v])}')) AS u"),
    "snowflake before version": ("snowflake", lambda v, ts: f"raw.users BEFORE(VERSION => {v + 1})"),
    "snowflake before timestamp": (
        "snowflake", lambda v, ts: f"raw.users BEFORE(TIMESTAMP => '{iso(ts[v + 1])}'::TIMESTAMP_TZ)"),
    "bigquery system_time": (
        "bigquery", lambda v, ts: f"`my-project.raw.users` FOR SYSTEM_TIME AS OF TIMESTAMP '{iso(ts[v])}'"),
    "bigquery system_time string": ("bigquery", lambda v, ts: f"`raw.users` FOR SYSTEM_TIME AS OF '{iso(ts[v])}'"),
}


@pytest.mark.parametrize("version", [0, 1, 2])
@pytest.mark.parametrize("form", list(FORMS))
def test_every_time_travel_form_reads_exactly_that_version(users, form: str, version: int) -> None:
    lake, stamps = users
    dialect, clause = FORMS[form]
    result = lake.sql(f"SELECT * FROM {clause(version, stamps)}", dialect=dialect)
    assert rows(result) == sorted(EXPECTED[version])
    assert rows(result) == rows(lake.read("raw.users", version=version))


def test_no_clause_reads_the_latest_version(lake: lk.Lake) -> None:
    assert rows(lake.sql("SELECT id, name FROM raw.users")) == sorted(EXPECTED[3])
    assert lake.sql("SELECT count(*) AS n FROM raw.users", dialect="postgres").to_pylist() == [{"n": 4}]


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.integers(0, 3), form=st.sampled_from(["spark", "databricks", "duckdb", "snowflake"]))
def test_version_as_of_k_equals_read_at_k(lake: lk.Lake, version: int, form: str) -> None:
    clause = {"spark": "VERSION AS OF {v}", "databricks": "VERSION AS OF {v}", "duckdb": "FOR VERSION AS OF {v}",
              "snowflake": "AT(VERSION => {v})"}[form].format(v=version)
    assert rows(lake.sql(f"SELECT * FROM raw.users {clause}", dialect=form)) == rows(
        lake.read("raw.users", version=version))


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.integers(0, 2), fraction=st.floats(0, 0.99))
def test_a_timestamp_between_commits_reads_the_earlier_version(users, version: int, fraction: float) -> None:
    lake, stamps = users
    gap = stamps[version + 1] - stamps[version]
    when = stamps[version] + timedelta(milliseconds=int(gap / timedelta(milliseconds=1) * fraction))
    assert when < stamps[version + 1]
    result = lake.sql(f"SELECT * FROM raw.users TIMESTAMP AS OF '{iso(when)}'", dialect="spark")
    assert rows(result) == sorted(EXPECTED[version])


@settings(max_examples=5)
@given(batches=st.lists(st.integers(1, 5), min_size=1, max_size=4), data=st.data())
def test_random_appends_every_version_reads_back(batches: list[int], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        lake = lk.Lake(Path(folder) / "lake")
        next_id = 0
        for version, size in enumerate(batches):
            batch = [(next_id + i, f"n{next_id + i}") for i in range(size)]
            source = write_csv(Path(folder) / f"b{version}.csv", batch)
            next_id += size
            assert lake.ingest("raw.t", source).version == version
        version = data.draw(st.integers(0, len(batches) - 1))
        result = lake.sql(f"SELECT id, name FROM raw.t VERSION AS OF {version}", dialect="spark")
        assert rows(result) == rows(lake.read("raw.t", version=version))
        assert result.num_rows == sum(batches[: version + 1])


def test_two_versions_of_one_table_join_in_one_query(lake: lk.Lake) -> None:
    changed = lake.sql(
        "SELECT b.id, a.name AS before, b.name AS after FROM raw.users VERSION AS OF 1 AS a "
        "JOIN raw.users VERSION AS OF 3 AS b ON a.id = b.id WHERE a.name <> b.name ORDER BY b.id",
        dialect="databricks")
    assert changed.to_pylist() == [{"id": 2, "before": "bob", "after": "bobby"},
                                   {"id": 3, "before": "cy", "after": "cyrus"}]
    gone = lake.sql("SELECT id FROM raw.users AT(VERSION => 1) o WHERE id NOT IN (SELECT id FROM raw.users) "
                    "ORDER BY id", dialect="snowflake")
    assert gone.column("id").to_pylist() == [1, 4]
    prepared = q.prepare(lake._storage, "SELECT * FROM raw.users VERSION AS OF 1 a JOIN raw.users b USING (id)",
                         dialect="spark")
    assert prepared.inputs == {"raw.users": (1, 3)}
    assert [(r.table, r.version) for r in prepared.relations] == [("raw.users", 1), ("raw.users", 3)]


def test_qualified_and_unqualified_column_references_resolve(lake: lk.Lake) -> None:
    result = lake.sql("SELECT raw.users.id, users.name, name AS again FROM raw.users VERSION AS OF 0 "
                      "WHERE users.id > 1", dialect="spark")
    assert result.to_pylist() == [{"id": 2, "name": "bob", "again": "bob"}]


def test_ctes_named_like_tables_are_not_lake_tables(lake: lk.Lake) -> None:
    sql = ("WITH users AS (SELECT id, name FROM raw.users VERSION AS OF 0), raw AS (SELECT 1 AS one) "
           "SELECT u.id, raw.one FROM users AS u CROSS JOIN raw ORDER BY u.id")
    assert lake.sql(sql, dialect="spark").to_pylist() == [{"id": 1, "one": 1}, {"id": 2, "one": 1}]
    assert q.input_tables(sql, "spark") == ["raw.users"]
    inner = lake.sql("WITH users AS (SELECT id FROM raw.users WHERE id > 10) SELECT count(*) AS n FROM users")
    assert inner.to_pylist() == [{"n": 1}]


def test_input_tables_lists_reads_not_targets() -> None:
    assert q.input_tables("SELECT * FROM `proj.raw.Users` u JOIN raw.ips FOR SYSTEM_TIME AS OF '2024-01-01' "
                          "USING (ip)", "bigquery") == ["raw.ips", "raw.users"]
    assert q.input_tables("INSERT INTO clean.users SELECT * FROM raw.users") == ["raw.users"]
    assert q.input_tables("CREATE TABLE clean.users AS SELECT * FROM raw.users JOIN raw.spam USING (id)") == [
        "raw.spam", "raw.users"]
    assert q.input_tables("MERGE INTO clean.users t USING raw.users s ON t.id = s.id "
                          "WHEN MATCHED THEN UPDATE SET t.name = s.name", "snowflake") == ["raw.users"]


def test_pinned_versions_from_the_caller(lake: lk.Lake) -> None:
    assert rows(q.query(lake._storage, "SELECT * FROM raw.users", versions={"raw.users": 1})) == sorted(EXPECTED[1])
    both = q.prepare(lake._storage, "SELECT * FROM raw.users a JOIN raw.users VERSION AS OF 0 b USING (id)",
                     versions={"raw.users": 2})
    assert both.inputs == {"raw.users": (0, 2)}  # the clause wins where there is one
    with pytest.raises(UsageError, match=r"raw\.userz"):
        q.prepare(lake._storage, "SELECT * FROM raw.users", versions={"raw.userz": 1})
    with pytest.raises(VersionNotFound):
        q.prepare(lake._storage, "SELECT * FROM raw.users", versions={"raw.users": 7})


def test_execute_streams_record_batches(lake: lk.Lake) -> None:
    prepared = q.prepare(lake._storage, "SELECT id FROM raw.users VERSION AS OF 3 ORDER BY id")
    reader = q.execute(lake._storage, prepared, batch_rows=1)
    assert isinstance(reader, pa.RecordBatchReader)
    batches = list(reader)
    assert sum(b.num_rows for b in batches) == 4
    assert [i for b in batches for i in b.column("id").to_pylist()] == [2, 3, 10, 11]


def test_projection_and_filter_reach_the_arrow_scan(lake: lk.Lake) -> None:
    sql = "SELECT name FROM raw.users VERSION AS OF 1 WHERE id = 3"
    prepared = q.prepare(lake._storage, sql, dialect="spark")
    assert prepared.duckdb_sql == 'SELECT name FROM "raw.users@v1" AS users WHERE id = 3'
    con = duckdb.connect()
    for r in prepared.relations:
        con.register(r.name, lake._storage.dataset(r.table, r.version))
    plan = con.sql("EXPLAIN " + prepared.duckdb_sql).fetchall()[0][1]
    assert "ARROW_SCAN" in plan
    assert "Projections: name" in plan and '"id" = 3' in plan
    assert lake.sql(sql, dialect="spark").to_pylist() == [{"name": "cy"}]


def test_offset_reads_the_version_current_that_many_seconds_ago(tmp_path: Path) -> None:
    lake = lk.Lake(tmp_path / "lake")
    lake.ingest("raw.t", write_csv(tmp_path / "a.csv", [(1, "a")]))
    time.sleep(1.0)
    lake.ingest("raw.t", write_csv(tmp_path / "b.csv", [(2, "b")]))
    stamps = {e.version: e.timestamp for e in lake.history("raw.t")}
    middle = stamps[0] + (stamps[1] - stamps[0]) / 2
    offset = (middle - datetime.now(middle.tzinfo)).total_seconds()
    assert rows(lake.sql(f"SELECT * FROM raw.t AT(OFFSET => {offset:.3f})", dialect="snowflake")) == [(1, "a")]
    assert rows(lake.sql("SELECT * FROM raw.t AT(OFFSET => -1 * 0)", dialect="snowflake")) == [(1, "a"), (2, "b")]
    with pytest.raises(VersionNotFound):
        lake.sql("SELECT * FROM raw.t AT(OFFSET => -60 * 60)", dialect="snowflake")
    with pytest.raises(VersionNotFound):
        lake.sql("SELECT * FROM raw.t FOR SYSTEM_TIME AS OF TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)",
                 dialect="bigquery")
    latest = lake.sql("SELECT * FROM raw.t FOR SYSTEM_TIME AS OF TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)",
                      dialect="bigquery")
    assert rows(latest) == [(1, "a"), (2, "b")]


BAD = {
    "unknown table": ("duckdb", "SELECT * FROM raw.nope", TableNotFound, "raw.nope"),
    "bare name": ("postgres", "SELECT * FROM users", TableNotFound, "users"),
    "unknown version": ("duckdb", "SELECT * FROM raw.users FOR VERSION AS OF 99", VersionNotFound, "version 99"),
    "negative version": ("spark", "SELECT * FROM raw.users VERSION AS OF -1", VersionNotFound, "version -1"),
    "before the first version": ("snowflake", "SELECT * FROM raw.users BEFORE(VERSION => 0)", VersionNotFound,
                                 "version -1"),
    "too early": ("bigquery", "SELECT * FROM raw.users FOR SYSTEM_TIME AS OF '2001-01-01'", VersionNotFound, "2001"),
    "not a timestamp": ("spark", "SELECT * FROM raw.users TIMESTAMP AS OF 'soon'", SqlError, "timestamp"),
    "column as version": ("spark", "SELECT * FROM raw.users VERSION AS OF id", SqlError, "constant"),
    "query as version": ("spark", "SELECT * FROM raw.users VERSION AS OF (SELECT 1)", SqlError, "constant"),
    "unknown column": ("duckdb", "SELECT nope FROM raw.users", SqlError, "unknown column 'nope'"),
    "unknown alias": ("duckdb", "SELECT x.id FROM raw.users u", SqlError, "'x'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_errors_name_what_is_wrong_and_write_nothing(lake: lk.Lake, case: str) -> None:
    dialect, sql, error, text = BAD[case]
    root = Path(lake._storage.root)
    before = snapshot(root)
    with pytest.raises(error) as caught:
        lake.sql(sql, dialect=dialect)
    assert text in str(caught.value)
    assert snapshot(root) == before


def test_unknown_column_points_at_it_and_quotes_no_value(lake: lk.Lake) -> None:
    with pytest.raises(SqlError) as caught:
        lake.sql("SELECT u.id\nFROM raw.users u\nWHERE u.mail = 'secret@example.com'")
    error = caught.value
    assert (error.column, error.line, error.col) == ("mail", 3, 9)
    assert "secret" not in str(error)
    with pytest.raises(SqlError) as cast:
        lake.sql("SELECT CAST(name AS INTEGER) FROM raw.users")
    assert not any(name in str(cast.value) for _, name in EXPECTED[3])


def test_parse_errors_carry_line_and_column(lake: lk.Lake) -> None:
    with pytest.raises(SqlError) as caught:
        lake.sql("SELECT id,\n  FROM raw.users WHERE (id", dialect="snowflake")
    assert caught.value.line == 2 and caught.value.col is not None
    assert "line 2" in str(caught.value)


REFUSED = [
    "INSERT INTO raw.users VALUES (5, 'x')",
    "UPDATE raw.users SET name = 'x'",
    "DELETE FROM raw.users",
    "MERGE INTO raw.users t USING raw.users s ON t.id = s.id WHEN MATCHED THEN DELETE",
    "CREATE TABLE clean.x AS SELECT * FROM raw.users",
    "DROP TABLE raw.users",
    "COPY raw.users TO 'out.csv'",
    "ATTACH 'other.db' AS other",
    "PRAGMA table_info('raw.users')",
    "SET threads = 1",
    "INSTALL httpfs",
    "SELECT * INTO copy_of FROM raw.users",
    "SELECT 1; SELECT 2",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('x/*.parquet')",
    "SELECT * FROM '/etc/passwd'",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_only_read_only_queries_over_lake_tables_run(lake: lk.Lake, sql: str) -> None:
    root = Path(lake._storage.root)
    before = snapshot(root)
    with pytest.raises((UsageError, TableNotFound)):
        lake.sql(sql)
    assert snapshot(root) == before


def test_writable_cte_is_refused(lake: lk.Lake) -> None:
    with pytest.raises(UsageError, match="DELETE"):
        lake.sql("WITH d AS (DELETE FROM raw.users RETURNING *) SELECT * FROM d", dialect="postgres")


def test_unknown_dialect_and_unsupported_time_travel_are_usage_errors(lake: lk.Lake) -> None:
    with pytest.raises(UsageError, match="dialect"):
        lake.sql("SELECT 1", dialect="cobol")
    with pytest.raises(UsageError, match="STATEMENT"):
        lake.sql("SELECT * FROM raw.users BEFORE(STATEMENT => '8e5d0ca9')", dialect="snowflake")


runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_cli_sql_json_and_table(lake: lk.Lake) -> None:
    root = lake._storage.root
    result = invoke("sql", "SELECT id, name FROM raw.users VERSION AS OF 1 ORDER BY id", "--dialect", "spark",
                    "--json", "--lake", root, "--limit", "3")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}, {"id": 3, "name": "cy"}]
    shown = invoke("sql", "SELECT name FROM raw.users AT(VERSION => 0)", "--dialect", "snowflake", "--lake", root)
    assert shown.exit_code == 0, shown.output
    assert "ann" in shown.stdout and "2 of 2 rows" in shown.stdout


def test_cli_sql_errors_are_one_line(lake: lk.Lake) -> None:
    root = lake._storage.root
    for sql, text in [("SELECT * FROM raw.nope", "unknown table 'raw.nope'"), ("DROP TABLE raw.users", "DROP"),
                      ("SELECT nope FROM raw.users", "unknown column 'nope'")]:
        result = invoke("sql", sql, "--lake", root)
        assert result.exit_code == 1, result.output
        assert text in result.stderr and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
    assert invoke("sql", "SELECT 1", "--limit", "-1", "--lake", root).exit_code == 2

