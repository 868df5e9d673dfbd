"""``lakekit lineage sql FILE``: in-process CLI runs, exit codes and output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lakekit.cli import app

SQL = "CREATE TABLE clean.users AS SELECT u.id, lower(u.email) AS email FROM raw.users AS u WHERE u.ok;\n"


@pytest.fixture
def sql_file(tmp_path):
    path = tmp_path / "users.sql"
    path.write_text(SQL)
    return path


def run(*args: str):
    return CliRunner().invoke(app, ["lineage", "sql", *args])


def test_table_format(sql_file):
    result = run(str(sql_file))
    assert result.exit_code == 0, result.output
    assert "raw.users.email" in result.output and "clean.users.email" in result.output
    assert "transformation" in result.output and "clean.users.*" in result.output


def test_json_format(sql_file):
    result = run(str(sql_file), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["source_column"], r["target_column"], r["subtype"]) for r in rows} == {
        ("id", "id", "identity"), ("email", "email", "transformation"), ("ok", "*", "filter")}


def test_openlineage_format(sql_file):
    result = run(str(sql_file), "-f", "openlineage")
    assert result.exit_code == 0, result.output
    facet = json.loads(result.output)["clean.users"]
    assert facet["dataset"][0]["transformations"] == [{"type": "INDIRECT", "subtype": "FILTER"}]


def test_mermaid_format(sql_file):
    result = run(str(sql_file), "--format", "mermaid")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("flowchart LR\n") and "-.->|filter|" in result.output


def test_schema_dialect_and_default_target(tmp_path):
    query = tmp_path / "features.wide.sql"
    query.write_text("SELECT * EXCLUDE (secret) FROM raw.t")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"raw.t": {"a": "int", "secret": "text"}}))
    result = run(str(query), "--schema", str(schema), "--dialect", "snowflake", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{
        "source_table": "raw.t", "source_column": "a", "target_table": "features.wide",
        "target_column": "a", "kind": "direct", "subtype": "identity", "unresolved": False}]
    named = run(str(query), "--schema", str(schema), "--target", "x.y", "--format", "json")
    assert json.loads(named.output)[0]["target_table"] == "x.y"


def test_sql_error_is_one_line_exit_1(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE o AS SELECT (a FROM x")
    result = run(str(bad))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot parse SQL in statement 1: Expecting )")
    assert "line 1, column 29" in lines[0]


def test_missing_file_exit_1(tmp_path):
    result = run(str(tmp_path / "nope.sql"))
    assert result.exit_code == 1 and "cannot read SQL file" in result.output


def test_invalid_schema_file_exit_1(sql_file, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text("{not json")
    result = run(str(sql_file), "--schema", str(schema))
    assert result.exit_code == 1 and "is not valid JSON" in result.output


def test_bad_format_is_usage_error(sql_file):
    assert run(str(sql_file), "--format", "xml").exit_code == 2


def test_warn_shows_what_it_could_analyse_and_one_line_per_other_statement(tmp_path):
    script = tmp_path / "script.sql"
    script.write_text("CREATE TABLE a AS SELECT * FROM raw.t;\nCREATE TABLE b AS SELECT (x FROM raw.t;\n")
    strict = run(str(script))
    assert strict.exit_code == 1 and "statement 2" in strict.output
    warned = run(str(script), "--warn", "--format", "json")
    assert warned.exit_code == 0
    lines = warned.output.splitlines()
    assert [line for line in lines if line.startswith("warning: ")] == [
        "warning: cannot parse SQL in statement 2: Expecting ) near `FROM` at line 2, column 29"]
    body = "\n".join(line for line in lines if not line.startswith("warning: "))
    assert json.loads(body) == [{"source_table": "raw.t", "source_column": "*", "target_table": "a",
                                 "target_column": "*", "kind": "direct", "subtype": "identity", "unresolved": True}]
