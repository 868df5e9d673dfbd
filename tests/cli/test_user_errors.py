"""Every command with arguments a user gets wrong: exit 1, one line on stderr, no traceback, no
identifier of a person. The commands are walked from the app, so a new command without bad
arguments here fails :func:`test_every_command_is_driven_with_bad_arguments`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.cli.every_command import CUSTOMERS, MORE, build, commands
from tests.cli.test_cli import run

GONE = "0"
"""A version of raw.people whose files a vacuum removed (see :func:`project`)."""
HUGE = str(2**70)
NOBODY = "email=nobody@example.com"

BAD: dict[str, list[list[str]]] = {
    "init": [["init", "/proc/lakekit/x"]],
    "ingest": [["ingest", "raw.customers", "missing.csv"], ["ingest", "raw.x", "more.csv", "--lake", "nolake"],
               ["ingest", "raw.customers", "more.csv", "--mode", "merge", "--key", "nope"]],
    "tables": [["tables", "--lake", "nolake"]],
    "history": [["history", "raw.nope"]],
    "show": [["show", "raw.customers", "--version", "-1"], ["show", "raw.customers", "--version", HUGE],
             ["show", "raw.people", "--version", GONE], ["show", "raw.customers", "--as-of", "1900-01-01"]],
    "loads": [["loads", "raw.nope"]],
    "sql": [["sql", "SELECT * FROM raw.customers VERSION AS OF -1"], ["sql", "SELECT nope FROM raw.customers"],
            ["sql", f"SELECT * FROM raw.people VERSION AS OF {GONE}"],
            ["sql", "SELECT * FROM raw.customers", "--engine", "spark", "--spark", "sc://127.0.0.1:9"]],
    "validate": [["validate", "raw.people", "--version", GONE], ["validate", "raw.customers", "--version", "-1"],
                 ["validate", "raw.customers", "--version", HUGE], ["validate", "raw.nope"]],
    "quarantine": [["quarantine", "raw.nope"]],
    "schema": [["schema", "raw.customers", "--version", "99"], ["schema", "raw.nope"]],
    "transform": [["transform", "marts.x", "bad.sql"], ["transform", "marts.x", "people.sql", "--version-of",
                                                        f"raw.people={GONE}"]],
    "run-transforms": [["run-transforms", "--select", "nope"]],
    "ls": [["ls", "--select", "nope"]],
    "rerun": [["rerun", "--downstream-of", "raw.nope"]],
    "lineage sql": [["lineage", "sql", "missing.sql"]],
    "lineage up": [["lineage", "up", "marts.countries.nope"], ["lineage", "up", "raw.nope.x"]],
    "lineage events": [["lineage", "events", "--to", "http://127.0.0.1:9/"]],
    "docs build": [["docs", "build", "--out", "/proc/lakekit-site"], ["docs", "build", "--out", "customers.csv"]],
    "docs serve": [["docs", "serve", "--out", "/proc/lakekit-site"]],
    "lineage down": [["lineage", "down", "raw.customers.nope"], ["lineage", "down", "raw.nope"]],
    "run": [["run", "x", "--lake", "nolake", "--", "true"]],
    "runs list": [["runs", "list", "--lake", "nolake"]],
    "runs show": [["runs", "show", "nope"]],
    "runs reproduce": [["runs", "reproduce", "nope"]],
    "runs compare": [["runs", "compare", "nope", "{run}"]],
    "runs slices": [["runs", "slices", "{run}", "--by", "nope", "--label", "label", "--prediction", "pred"]],
    "runs stale": [["runs", "stale", "--lake", "nolake"]],
    "runs rerun": [["runs", "rerun", "nope"]],
    "features list": [["features", "list", "--lake", "nolake"]],
    "features show": [["features", "show", "nope"]],
    "features latest": [["features", "latest", "customer:nope", "--key", "customer_id=1"]],
    "gdpr find": [["gdpr", "find", "shoe_size=ann@example.com"]],
    "gdpr export": [["gdpr", "export", "email=ann@example.com", "--to", "/nonexistent/x.json"],
                    ["gdpr", "export", "email=ann@example.com", "--to", "/proc/x.json"]],
    "gdpr erase": [["gdpr", "erase", "shoe_size=ann@example.com", "--reason", "r", "--yes"]],
    "gdpr verify": [["gdpr", "verify", "shoe_size=ann@example.com"]],
    "gdpr audit": [["gdpr", "audit", "shoe_size=ann@example.com"]],
    "repair": [["repair", "--lake", "nolake"]],
    "vacuum": [["vacuum", "--retention-hours", "-1"], ["vacuum", "raw.nope"]],
}
IDENTIFIERS = [line.split(",")[1] for line in (CUSTOMERS + MORE).splitlines()[1:] if "@" in line]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The project of :func:`build`, with raw.people (governed like raw.customers) whose version 0
    was overwritten by version 1, its files then vacuumed (no run pinned them)."""
    folder = tmp_path_factory.mktemp("project")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        ids = build(folder)
        (folder / "bad.sql").write_text("SELECT nope FROM raw.customers\n")
        (folder / "people.sql").write_text("SELECT * FROM raw.people\n")
        model = (folder / "schemas" / "customers.py").read_text()
        (folder / "schemas" / "people.py").write_text(model.replace('"raw.customers"', '"raw.people"'))
        assert run("ingest", "raw.people", "customers.csv")[0] == 0
        assert run("ingest", "raw.people", "more.csv", "--mode", "overwrite")[0] == 0
        vacuumed = json.loads(run("vacuum", "raw.people", "--retention-hours", "0", "--json")[1])
        assert vacuumed["tables"][0]["removed"]
        yield ids
    finally:
        os.chdir(cwd)


def test_every_command_is_driven_with_bad_arguments() -> None:
    assert sorted(BAD) == commands()


@pytest.mark.parametrize("args", [a for cases in BAD.values() for a in cases], ids=" ".join)
def test_a_bad_argument_is_one_line_without_a_traceback(project: dict[str, str], args: list[str]) -> None:
    audited = len(json.loads(run("gdpr", "audit", "--json")[1]))
    code, out, err = run(*[a.format(**project) for a in args])
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert "Traceback" not in out + err
    assert not [i for i in IDENTIFIERS if i in out + err]
    assert len(json.loads(run("gdpr", "audit", "--json")[1])) == audited  # nothing recorded as done


@pytest.mark.parametrize("command", commands())
def test_a_usage_error_is_one_line_naming_the_help_to_read(command: str) -> None:
    for args, message in (([*command.split(), "--bogus"], "No such option: --bogus"),
                          (["--bogus", *command.split()], "No such option: --bogus")):
        code, out, err = run(*args)
        help_of = "lakekit" if args[0] == "--bogus" else f"lakekit {command}"
        assert code == 2 and out == "", err
        assert err.startswith(f"error: {message}") and err.endswith(f"(try: {help_of} --help)\n"), err
        assert len(err.splitlines()) == 1
    code, _, err = run("show")
    assert code == 2 and err == "error: Missing argument 'table' (try: lakekit show --help)\n"
