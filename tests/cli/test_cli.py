"""The CLI in-process: exit codes, one-line errors, --json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakekit.cli import app

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").write_text("id,email\n1,ann@example.com\n2,bob@example.com\n")
    (tmp_path / "b.csv").write_text("id,email\n3,cy@example.com\n")
    (tmp_path / "bad.csv").write_text("id,email\n4\n")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_config_and_commands_default_to_it(workdir: Path) -> None:
    assert run("init", "--lake", "mylake")[0] == 0
    assert (workdir / "lakekit.toml").read_text().strip() == 'lake = "mylake"'
    assert run("ingest", "raw.people", "a.csv")[0] == 0
    assert (workdir / "mylake" / "raw" / "people" / "_delta_log").is_dir()


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
    for command in ("init", "ingest", "tables", "history", "show", "loads"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "--lake" in out and "--json" in out
