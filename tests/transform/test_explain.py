"""explain=True / --explain: the SQL as DuckDB will run it, with every pinned input, running
nothing; execution errors name the statement, the dialect and the word of the user's text."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import SqlError


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    pq.write_table(pa.table({"id": [1, 2], "props": ['{"page": "/a"}', '{"page": "/b"}'], "amount": [5, 7]}),
                   tmp_path / "events.parquet")
    lake = lk.Lake(tmp_path / "lake")
    lake.ingest("raw.events", str(tmp_path / "events.parquet"))
    return lake


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_sql_explain_shows_duckdb_sql_and_pins_and_runs_nothing(lake: lk.Lake):
    before = files(Path(lake.root))
    explained = lake.sql("SELECT e.props:page::STRING AS page FROM raw.events e AT (VERSION => 0)",
                         dialect="snowflake", explain=True)
    assert isinstance(explained, lk.Explained)
    assert explained.inputs == {"raw.events": (0,)} and explained.dialect == "snowflake"
    assert "->>" in explained.duckdb_sql and '"raw.events@v0"' in explained.duckdb_sql
    assert str(explained).startswith("-- snowflake SQL as DuckDB runs it\n-- reads raw.events at version 0\n")
    assert files(Path(lake.root)) == before


def test_transform_explain_names_target_and_writes_nothing(lake: lk.Lake):
    explained = lake.transform("mart.pages", "CREATE TABLE mart.pages AS SELECT id, COUNT_IF(amount > 5) AS n "
                                             "FROM raw.events GROUP BY id", explain=True)
    assert explained.target == "mart.pages" and explained.inputs == {"raw.events": (0,)}
    assert "CAST(COUNT_IF(" in explained.duckdb_sql and "-- writes mart.pages" in str(explained)
    assert "mart.pages" not in lake.tables()


def test_cli_explain(lake: lk.Lake, tmp_path: Path):
    runner = CliRunner()
    shown = runner.invoke(app, ["sql", "SELECT id FROM raw.events", "--explain", "--lake", lake.root])
    assert shown.exit_code == 0, shown.output
    assert "-- reads raw.events at version 0" in shown.output and '"raw.events@v0"' in shown.output
    sql = tmp_path / "t.sql"
    sql.write_text("SELECT id FROM raw.events")
    as_json = runner.invoke(app, ["--json", "transform", "mart.ids", str(sql), "--explain", "--lake", lake.root])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["inputs"] == {"raw.events": [0]}
    assert "mart.ids" not in lake.tables()


def test_an_execution_error_names_statement_dialect_and_position_in_the_users_text(lake: lk.Lake):
    sql = "CREATE TABLE mart.x AS\nSELECT id,\n  nosuchfn(amount) AS y\nFROM raw.events"
    with pytest.raises(SqlError) as caught:
        lake.transform("mart.x", sql, dialect="snowflake")
    err = caught.value
    assert "statement 1: DuckDB cannot run this snowflake SQL at `nosuchfn`" in str(err)
    assert (err.line, err.col) == (3, 3) and "explain=True" in str(err)
    with pytest.raises(SqlError, match=r"unknown column 'nope' in statement 1 \(writing mart.x\) at line 2, column 8"):
        lake.transform("mart.x", "CREATE TABLE mart.x AS\nSELECT nope FROM raw.events", dialect="snowflake")
    with pytest.raises(SqlError, match=r"unknown column 'nope' at line 2, column 3"):
        lake.sql("SELECT id,\n  nope FROM raw.events")
