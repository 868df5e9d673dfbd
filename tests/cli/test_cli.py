"""The CLI in-process: exit codes, one-line errors, --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import LakekitError
from lakekit.project import Project

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty current folder (no project, no lake)."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


@pytest.fixture
def workdir(folder: Path) -> Path:
    """A project made by ``lakekit init``, with a few CSV files."""
    assert run("init")[0] == 0
    (folder / "a.csv").write_text("id,email\n1,ann@example.com\n2,bob@example.com\n")
    (folder / "b.csv").write_text("id,email\n3,cy@example.com\n")
    (folder / "bad.csv").write_text("id,email\n4\n")
    return folder


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_scaffolds_a_project_and_commands_default_to_it(folder: Path) -> None:
    code, out, _ = run("init", "shop", "--lake", "mylake")
    assert code == 0 and "created shop/lakekit.toml" in out
    config = tomllib.loads((folder / "shop" / "lakekit.toml").read_text())
    assert config == {"lake": "mylake", "schemas": "schemas", "transforms": "transforms", "dialect": "duckdb"}
    assert (folder / "shop" / ".gitignore").read_text() == "/mylake/\n"
    assert (folder / "shop" / "transforms").is_dir() and (folder / "shop" / "mylake").is_dir()
    example = (folder / "shop" / "schemas" / "customers.py").read_text()
    assert 'name = "raw.customers"' in example and '{"pii": "email"}' in example
    os.chdir(folder / "shop")
    (folder / "shop" / "c.csv").write_text("customer_id,email,country,signed_up\n"
                                          "1,ann@example.com,FR,2026-01-05T10:00:00\n2,nope,DE,2026-01-06T10:00:00\n")
    code, out, _ = run("ingest", "raw.customers", "c.csv", "--json")
    assert code == 0 and json.loads(out)["quarantined"] == 1  # the example model governs raw.customers
    assert (folder / "shop" / "mylake" / "raw" / "customers" / "_delta_log").is_dir()
    assert json.loads(run("schema", "raw.customers", "--json")[1])["pii"] == {"customer_id": "customer_id",
                                                                              "email": "email"}
    assert run("init")[0] == 0 and "customer_id" in (folder / "shop" / "schemas" / "customers.py").read_text()
    code, _, err = run("init", "--lake", "elsewhere")  # not silently another lake than the config's
    assert code == 1 and "lakekit.toml already names the lake 'mylake'" in err
    assert not (folder / "shop" / "elsewhere").exists()


def test_ingest_tables_history_show_loads_json(workdir: Path) -> None:
    code, out, _ = run("ingest", "raw.people", "a.csv", "b.csv", "--meta", "vendor=acme", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["rows"] == 3 and result["version"] == 0 and not result["skipped"]
    code, out, _ = run("ingest", "raw.people", "[ab].csv", "--json")
    assert code == 0 and json.loads(out)["skipped"]
    assert json.loads(run("tables", "--json")[1]) == ["raw.people"]
    history = json.loads(run("history", "raw.people", "--json")[1])
    assert history[0]["provenance"]["metadata"] == {"vendor": "acme"}
    rows = json.loads(run("show", "raw.people", "--version", "0", "--limit", "2", "--json")[1])
    assert len(rows) == 2 and {"id", "email", "_load_id"} <= set(rows[0])
    loads = json.loads(run("loads", "raw.people", "--json")[1])
    assert [len(x["files"]) for x in loads] == [2]


def test_human_output(workdir: Path) -> None:
    code, out, _ = run("ingest", "raw.people", "a.csv")
    assert code == 0 and "version 0" in out and "2 rows" in out
    code, out, _ = run("ingest", "raw.people", "a.csv")
    assert code == 0 and "already loaded" in out
    code, out, _ = run("show", "raw.people")
    assert code == 0 and "2 of 2 rows" in out
    assert run("history", "raw.people")[0] == 0 and run("loads", "raw.people")[0] == 0
    assert run("tables")[0] == 0


def test_values_in_brackets_are_shown_as_they_are(workdir: Path) -> None:
    """An erasure's placeholder, or a user's text, in square brackets is data, not rich markup."""
    (workdir / "n.csv").write_text("id,note\n1,login failed for [erased:0a1b2c]\n2,[bold]loud[/bold]\n")
    assert run("ingest", "raw.notes", "n.csv")[0] == 0
    code, out, _ = run("show", "raw.notes")
    assert code == 0 and "[erased:0a1b2c]" in out and "[bold]loud[/bold]" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "raw.nope"), "unknown table 'raw.nope'"),
        (("ingest", "raw.people", "missing.csv"), "file not found"),
        (("ingest", "raw.people", "a.csv", "--mode", "merge"), "needs keys"),
        (("show", "raw.people", "--version", "9"), "no version 9"),
    ],
)
def test_user_errors_are_one_line_exit_1(workdir: Path, args: tuple[str, ...], message: str) -> None:
    run("ingest", "raw.people", "a.csv")
    code, out, err = run(*args)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


def test_malformed_row_names_line_without_value(workdir: Path) -> None:
    code, _, err = run("ingest", "raw.people", "bad.csv")
    assert code == 1 and "bad.csv, line 2" in err and "expected 2 columns" in err


def test_usage_errors_exit_2(workdir: Path) -> None:
    assert run("show")[0] == 2
    assert run("ingest", "raw.people", "a.csv", "--meta", "novalue")[0] == 2
    assert run("nosuchcommand")[0] == 2


def test_every_command_has_help(workdir: Path) -> None:
    for command in ("init", "ingest", "tables", "history", "show", "loads", "schema"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "--lake" in out and "--json" in out


@pytest.mark.parametrize(
    "args",
    [
        ("--lake", "lake", "--json", "tables"),
        ("tables", "--lake", "lake", "--json"),
        ("--json", "tables", "--lake", "lake"),
        ("--lake", "elsewhere", "tables", "--lake", "lake", "--json"),  # the last one given wins
    ],
)
def test_global_options_go_before_or_after_the_command(workdir: Path, args: tuple[str, ...]) -> None:
    run("ingest", "raw.people", "a.csv")
    code, out, _ = run(*args)
    assert code == 0 and json.loads(out) == ["raw.people"]


def test_global_options_reach_nested_commands(workdir: Path) -> None:
    run("ingest", "raw.people", "a.csv")
    code, out, _ = run("--lake", "lake", "runs", "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("gdpr", "--json", "audit", "--lake", "lake")
    assert code == 0 and json.loads(out) == []
    code, _, err = run("show", "raw.nope", "--debug")
    assert code == 1 and "Traceback" not in err  # CliRunner catches the exception --debug lets through
    assert isinstance(runner.invoke(app, ["show", "raw.nope", "--debug"]).exception, LakekitError)


@pytest.mark.parametrize("command", [("tables",), ("history", "raw.people"), ("gdpr", "audit"), ("runs", "list"),
                                     ("validate", "raw.people"), ("repair",), ("schema", "raw.people")])
def test_reading_commands_refuse_a_lake_that_does_not_exist(workdir: Path, command: tuple[str, ...]) -> None:
    code, _, err = run(*command, "--lake", "demo-lak")
    assert code == 1
    assert err.strip() == "error: no lake at 'demo-lak' — run 'lakekit init' to create one"
    assert not (workdir / "demo-lak").exists()


def test_writing_commands_create_a_lake_only_when_told(workdir: Path) -> None:
    code, _, err = run("ingest", "raw.people", "a.csv", "--lake", "other")
    assert code == 1 and "run 'lakekit init' to create one, or pass --create" in err
    assert not (workdir / "other").exists()
    assert run("ingest", "raw.people", "a.csv", "--lake", "other", "--create")[0] == 0
    assert (workdir / "other" / "raw" / "people").is_dir()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('schemas = "nowhere"\n', "schema folder 'nowhere' does not exist"),
        ('schema_package = "no_such_schema_package"\n', "no schema package 'no_such_schema_package'"),
        ('schema = "schemas"\n', "unknown setting 'schema'"),
        ('[storage.env]\nAWS_ACCESS_KEY_ID = "LAKEKIT_TEST_UNSET_KEY"\n', "LAKEKIT_TEST_UNSET_KEY"),
        ('engine = "flink"\n', "unknown engine 'flink' (known: duckdb, spark)"),
    ],
)
def test_a_config_that_cannot_be_used_is_an_error_naming_what(folder: Path, config: str, message: str) -> None:
    (folder / "lake").mkdir()
    (folder / "lakekit.toml").write_text(config)
    code, _, err = run("tables")
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_storage_options_come_from_the_variables_the_config_names(folder: Path, monkeypatch) -> None:
    (folder / "lakekit.toml").write_text('[storage.env]\nAWS_REGION = "LAKEKIT_TEST_REGION"\n')
    monkeypatch.setenv("LAKEKIT_TEST_REGION", "eu-west-1")
    assert Project.load().storage_options() == {"AWS_REGION": "eu-west-1"}


def test_the_engine_and_its_spark_session_come_from_the_config(folder: Path) -> None:
    (folder / "lakekit.toml").write_text('engine = "spark"\nspark = "sc://127.0.0.1:9"\n')
    lake = Project.load().open(create=True)
    assert (lake.engine, lake.spark) == ("spark", "sc://127.0.0.1:9")
    assert Project.load().open(spark="local[2]").spark == "local[2]"  # --spark wins over the file
    code, _, err = run("sql", "SELECT 1 AS x")  # the config's engine, its unreachable session: one line
    assert code == 1 and err.strip().splitlines() in (
        ["error: cannot reach Spark at sc://127.0.0.1:9: Connection refused"],
        ["error: engine='spark' needs pyspark: pip install 'lakekit[spark]'"])
    assert run("sql", "SELECT 1 AS x", "--engine", "duckdb")[0] == 0


def test_version_and_module_entry_point(folder: Path) -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"lakekit {lk.__version__}"
    done = subprocess.run([sys.executable, "-m", "lakekit", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"lakekit {lk.__version__}"
