"""The CLI's habits: --version, shell completion, help without type placeholders, one default
SQL dialect from lakekit.toml, progress bars only on a terminal, piped output never cut to a
terminal's width, history and validate saying what their verdicts judge."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.progress import Progress

import lakekit as lk
from lakekit.cli._common import counter
from lakekit.project import Project
from lakekit.site import build as build_site
from tests.cli.every_command import SUBJECT, build, commands
from tests.cli.test_cli import folder, run, workdir  # noqa: F401 (fixtures)

PLACEHOLDER = re.compile(r"<(bool|str|int|float|path|text|integer|list\[[a-z]+\]|[a-z]+\|[a-z|]+)>")
CLI = [sys.executable, "-m", "lakekit"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    root = tmp_path_factory.mktemp("project")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        yield root, build(root)
    finally:
        os.chdir(cwd)


def test_help_has_no_type_placeholders() -> None:
    for command in ["", *commands()]:
        code, out, _ = run(*command.split(), "--help")
        assert code == 0 and "--json" in out and "--help" in out
        assert not PLACEHOLDER.search(out), (command, PLACEHOLDER.search(out))
    assert "LIMIT" in run("show", "--help")[1] and "overwrite|append|merge" in run("transform", "--help")[1]


def test_shell_completion_is_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # typer asks shellingham for the shell: the process tree's, which depends on how pytest was started
    monkeypatch.setattr("shellingham.detect_shell", lambda *_, **__: ("bash", "/bin/bash"))
    code, out, _ = run("--show-completion")
    assert code == 0 and "complete -o default -F _lakekit_completion lakekit" in out
    env = {**os.environ, "_LAKEKIT_COMPLETE": "complete_bash", "COMP_WORDS": "lakekit ru", "COMP_CWORD": "1"}
    script = Path(sys.executable).parent / "lakekit"  # completion asks the command by its own name
    done = subprocess.run([script], env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert {"run", "runs", "run-transforms"} <= set(done.stdout.split())


@pytest.mark.parametrize("configured", [None, "snowflake"])
def test_one_default_dialect_for_sql_transform_and_run_transforms(workdir: Path, configured: str | None) -> None:  # noqa: F811
    if configured:
        config = workdir / "lakekit.toml"
        config.write_text(re.sub(r'(?m)^dialect = .*$', f'dialect = "{configured}"', config.read_text()))
    else:  # no key: the default
        config = workdir / "lakekit.toml"
        config.write_text(re.sub(r"(?m)^dialect = .*\n", "", config.read_text()))
    expected = configured or "duckdb"
    assert run("ingest", "raw.people", "a.csv")[0] == 0
    (workdir / "one.sql").write_text("SELECT id FROM raw.people\n")
    (workdir / "transforms" / "marts.ids.sql").write_text("SELECT id FROM raw.people\n")
    explained = json.loads(run("sql", "SELECT id FROM raw.people", "--explain", "--json")[1])
    assert explained["dialect"] == expected
    explained = json.loads(run("transform", "marts.one", "one.sql", "--explain", "--json")[1])
    assert explained["dialect"] == expected
    assert run("transform", "marts.one", "one.sql")[0] == 0 and run("run-transforms")[0] == 0
    code, out, _ = run("sql", "SELECT \"table\", dialect FROM _lakekit.transforms ORDER BY 1", "--json",
                       "--dialect", "duckdb")
    assert code == 0 and json.loads(out) == [{"table": "marts.ids", "dialect": expected},
                                             {"table": "marts.one", "dialect": expected}]


def test_the_api_takes_the_same_default_dialect_as_the_cli(tmp_path: Path) -> None:
    """``//`` divides in DuckDB and starts a comment in Snowflake: the answer tells the dialect."""
    assert lk.Lake(tmp_path / "lake").sql("SELECT 7 // 2 AS q").to_pylist() == [{"q": 3}]
    lake = lk.Lake(tmp_path / "lake")
    assert lake.transform("marts.q", "SELECT 7 // 2 AS q").rows == 1 and lake.read("marts.q").column_names == ["q"]
    assert lake.run_transforms(_project_of(tmp_path, "SELECT 7 // 2 AS q\n")).files[0].rows == 1
    snowflake = lk.Lake(tmp_path / "lake", dialect="snowflake")
    assert snowflake.sql("SELECT 7 // 2 AS q").to_pylist() == [{"7": 7}]
    assert snowflake.sql("SELECT 7 // 2 AS q", dialect="duckdb").to_pylist() == [{"q": 3}]
    (tmp_path / "lakekit.toml").write_text('lake = "lake"\ndialect = "snowflake"\n')
    assert Project.load(tmp_path).open().transform("marts.s", "SELECT 7 // 2 AS q").inputs == {}
    assert lake.read("marts.s").column_names == ["7"]


def _project_of(where: Path, sql: str) -> Path:
    (where / "transforms").mkdir()
    (where / "transforms" / "marts.p.sql").write_text(sql)
    return where / "transforms"


def _in_terminal(args: list[str], cwd: Path) -> str:
    """What the CLI prints when stdout and stderr are a terminal (80 columns)."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm"}
    proc = subprocess.Popen([*CLI, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=child, stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait()
    os.close(main)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize(("args", "label"), [
    (["vacuum", "--dry-run"], "vacuum every table"),
    (["rerun", "--downstream-of", "raw.customers", "--dry-run"], "rerun downstream of raw.customers"),
    (["runs", "reproduce", "{run}"], "reproduce run {run}"),
    (["gdpr", "find", SUBJECT], "find the subject"),
    (["ingest", "raw.customers", "customers.csv"], "ingest raw.customers"),  # loaded before: the lake unchanged
    (["run-transforms"], "transforms in"),
])
def test_progress_bars_only_on_a_terminal_and_never_under_json(project: tuple[Path, dict[str, str]],
                                                               args: list[str], label: str) -> None:
    root, ids = project
    args, label = [a.format(**ids) for a in args], label.format(**ids)
    shown = _in_terminal(args, root)
    assert label in shown and "0:00:0" in shown  # the bar with its elapsed time
    assert "0:00:0" not in _in_terminal(["--json", *args], root)
    piped = subprocess.run([*CLI, *args], cwd=root, capture_output=True, text=True, check=True)
    assert piped.stderr == "" and "0:00:0" not in piped.stdout  # the bar draws on stderr


def test_long_calls_count_their_steps(project: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = project
    lake = Project.load(root).open()
    said: list[tuple[int, int, str]] = []

    def steps(*expected: str) -> list[tuple[int, int, str]]:
        return [*((n, len(expected), what) for n, what in enumerate(expected)), (len(expected), len(expected), "")]

    lake.vacuum(dry_run=True, progress=lambda *step: said.append(step))
    assert said == steps(*lake.tables())
    said.clear()
    lake.run_transforms(root / "transforms", progress=lambda *step: said.append(step))
    assert said == steps("marts.countries")
    said.clear()
    build_site(lake, tmp_path / "site", progress=lambda *step: said.append(step))
    assert said == steps(*lake.tables())
    said.clear()
    lake.rerun("raw.customers", dry_run=True, progress=lambda *step: said.append(step))
    assert said == steps("marts.countries")
    said.clear()
    lake.reproduce(ids["run"][-4:], progress=lambda *step: said.append(step))
    assert said == steps("raw.customers")
    said.clear()
    lake.gdpr.find(progress=lambda *step: said.append(step), email="bo@example.com")
    assert said[-1] == (said[-1][0], said[-1][0], "") and "raw.customers" in [what for *_, what in said]
    assert not [step for step in said if "@" in step[2]]
    said.clear()
    (redone,) = lake.rerun_runs([ids["cmd"]], progress=lambda *step: said.append(step))
    assert redone.rerun_of == ids["cmd"] and said == steps(ids["cmd"])


def test_an_erasure_counts_the_places_it_rewrites(workdir: Path) -> None:  # noqa: F811
    (workdir / "c.csv").write_text("customer_id,email,country,signed_up\n1,ann@example.com,FR,2026-01-05T10:00:00\n")
    assert run("ingest", "raw.customers", "c.csv")[0] == 0
    said: list[tuple[int, int, str]] = []
    Project.load(workdir).open().gdpr.erase(reason="request 1", progress=lambda *step: said.append(step),
                                            email="ann@example.com")
    total = said[-1][0]
    assert said[-1] == (total, total, "") and total >= 1 and "raw.customers" in [what for *_, what in said]
    assert not [step for step in said if "ann@" in step[2]]


def test_counted_progress_fills_the_bar() -> None:
    with Progress(disable=True) as bar:
        task = bar.add_task("vacuum", total=None)
        step = counter(bar, task, "vacuum")
        step(1, 3, "raw.a")
        assert (bar.tasks[0].description, bar.tasks[0].completed, bar.tasks[0].total) == ("vacuum: raw.a (2 of 3)",
                                                                                          1, 3)
        step(3, 3, "")
        assert (bar.tasks[0].description, bar.tasks[0].completed) == ("vacuum", 3)


def test_piped_output_is_never_cut_to_the_terminal_width(project: tuple[Path, dict[str, str]]) -> None:
    root, ids = project
    env = {**os.environ, "COLUMNS": "40"}
    tree = subprocess.run([*CLI, "lineage", "down", "raw.customers.country"], cwd=root, env=env,
                          capture_output=True, text=True, check=True).stdout
    assert "raw.customers.country (v0) → marts.countries.country (v0)  direct/identity" in tree
    table = subprocess.run([*CLI, "runs", "list"], cwd=root, env=env, capture_output=True, text=True,
                           check=True).stdout
    assert all(any(i in line for line in table.splitlines()) for i in ids.values())  # each id on one line
    terminal = _in_terminal(["lineage", "down", "raw.customers.country"], root)
    assert "marts.countries.country (v0)" in terminal and "direct/identity" not in terminal  # cut at 80 columns


def test_slices_show_percentages(project: tuple[Path, dict[str, str]]) -> None:
    _, ids = project
    code, out, _ = run("runs", "slices", ids["run"], "--by", "country", "--label", "label", "--prediction", "pred")
    assert code == 0 and "50.0%" in out and "0.5 " not in out


def test_history_and_validate_say_what_their_verdicts_judge(workdir: Path) -> None:  # noqa: F811
    (workdir / "c.csv").write_text("customer_id,email,country,signed_up\n1,ann@example.com,FR,2026-01-05T10:00:00\n"
                                   "2,nope,DE,2026-01-06T10:00:00\n")
    assert run("ingest", "raw.customers", "c.csv")[0] == 0
    written = json.loads(run("history", "raw.customers", "--json")[1])[0]
    assert written["validation"] == "invalid (1 failing check(s))"  # the write: one row failed, quarantined
    out = run("history", "raw.customers")[1]
    assert "a write judges the rows it was given" in out and "`lakekit validate` the rows the version holds" in out
    code, out, _ = run("validate", "raw.customers", "--version", "0")
    assert code == 0 and "valid" in out and "rows its write quarantined are not part of it" in out
    assert json.loads(run("history", "raw.customers", "--json")[1])[0]["validation"] == "valid"  # now they agree
