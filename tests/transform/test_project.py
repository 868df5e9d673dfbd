"""Projects of SQL files: dependency order, skip-unchanged, dbt-style selection, headers, and errors
that name the file."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as arrow
import pytest
from deltalake import write_deltalake
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import ProjectFailed, ProjectFileError, UsageError
from lakekit.transform.project import load

FILES = {
    # alphabetical order is not dependency order
    "a_mart.sql": "CREATE TABLE marts.spend AS\n"
                  "SELECT f.country, sum(f.amount) AS total FROM features.users f GROUP BY f.country",
    "features.users.sql": "-- lakekit: dialect=bigquery\n"
                          "SELECT c.id, c.amount, `c`.country FROM `proj.clean.users` AS c WHERE c.amount > 0",
    "staging/clean.users.sql": "-- the cleaned users\n-- lakekit: incremental keys=id\n"
                               "SELECT id, amount, upper(country) AS country FROM src.users WHERE id IS NOT NULL",
}


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("src.users"),
                    arrow.table({"id": [1, 2, 3], "amount": [5, -1, 7], "country": ["de", "fr", "de"]}))
    return lake


def project(root: Path, files: dict[str, str]) -> Path:
    for name, sql in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(sql)
    return root


def test_files_run_in_dependency_order_and_unchanged_ones_are_skipped(lake: lk.Lake, tmp_path: Path) -> None:
    folder = project(tmp_path / "p", FILES)
    first = lake.run_transforms(folder)
    assert [(f.target, f.skipped) for f in first.files] == [
        ("clean.users", False), ("features.users", False), ("marts.spend", False)]
    assert first.files[0].file.endswith("staging/clean.users.sql")
    assert sorted(lake.read("marts.spend").to_pylist(), key=lambda r: r["country"]) == [
        {"country": "DE", "total": 12}]
    second = lake.run_transforms(folder)
    assert all(f.skipped and "unchanged" in f.reason for f in second.files)
    assert second.asdict()["files"][0]["target"] == "clean.users"

    write_deltalake(lake._storage.uri("src.users"), arrow.table({"id": [4], "amount": [1], "country": ["fr"]}),
                    mode="append")
    third = lake.run_transforms(folder)
    assert [f.skipped for f in third.files] == [False, False, False]
    assert third.files[0].reason.startswith("incremental") and third.files[0].previous_inputs == {"src.users": 0}
    assert third.files[1].reason == "new input versions: clean.users 0→1"
    assert lake.read("marts.spend").num_rows == 2


@pytest.mark.parametrize(("select", "runs"), [
    ("features.users", ["features.users"]),
    ("+features.users", ["clean.users", "features.users"]),
    ("features.users+", ["features.users", "marts.spend"]),
    ("clean.users+", ["clean.users", "features.users", "marts.spend"]),
    ("+marts.spend", ["clean.users", "features.users", "marts.spend"]),
    ("+features.users+", ["clean.users", "features.users", "marts.spend"]),
    ("clean.users marts.spend", ["clean.users", "marts.spend"]),
])
def test_selection(lake: lk.Lake, tmp_path: Path, select: str, runs: list[str]) -> None:
    folder = project(tmp_path / "p", FILES)
    lake.run_transforms(folder)
    assert [f.target for f in lake.run_transforms(folder, select=select).files] == runs


def test_unknown_selection_is_an_error(lake: lk.Lake, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unknown selection 'clean\.nope\+'"):
        lake.run_transforms(project(tmp_path / "p", FILES), select="clean.nope+")


def test_a_cycle_is_an_error_naming_it(tmp_path: Path) -> None:
    folder = project(tmp_path / "p", {
        "x.a.sql": "SELECT * FROM x.b", "x.b.sql": "SELECT * FROM x.c JOIN y.free USING (k)",
        "x.c.sql": "SELECT * FROM x.a", "y.other.sql": "SELECT * FROM src.t",
    })
    with pytest.raises(UsageError, match=r"cycle .*: x\.a → x\.b → x\.c → x\.a$"):
        lk.Lake(tmp_path / "lake").run_transforms(folder)


@pytest.mark.parametrize(("files", "message"), [
    ({"clean.x.sql": "CREATE TABLE clean.y AS SELECT 1 AS a"}, "clean.x.sql: the file name says 'clean.x' but"),
    ({"query.sql": "SELECT 1 AS a"}, "query.sql: no target"),
    ({"clean.x.sql": "-- lakekit: dialect=spark\n-- lakekit: materialized=view\nSELECT 1 AS a"},
     "clean.x.sql: unknown header setting 'materialized'"),
    ({"clean.x.sql": "SELECT 1 AS a", "other.sql": "INSERT INTO clean.x SELECT 2 AS a"}, "both make 'clean.x'"),
])
def test_malformed_projects_name_the_file(tmp_path: Path, files: dict[str, str], message: str) -> None:
    with pytest.raises(lk.LakekitError, match=message):
        load(project(tmp_path / "p", files))


def test_sql_errors_name_the_file_with_its_line_and_column(lake: lk.Lake, tmp_path: Path) -> None:
    folder = project(tmp_path / "p", {"clean.bad.sql": "-- lakekit: dialect=duckdb\nSELECT id\nFROM src.users WHERE ("})
    with pytest.raises(ProjectFileError, match=r"clean\.bad\.sql: cannot parse") as caught:
        lake.run_transforms(folder)
    assert caught.value.line == 3
    (folder / "clean.bad.sql").write_text("SELECT id,\n       nope FROM src.users")
    with pytest.raises(ProjectFileError, match=r"clean\.bad\.sql: unknown column 'nope'") as caught:
        lake.run_transforms(folder)
    assert (caught.value.line, caught.value.col) == (2, 8)
    assert "clean.bad" not in lake.tables()


def test_a_failing_file_stops_only_what_reads_its_table(lake: lk.Lake, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project(tmp_path / "p", {
        "clean.a.sql": "SELECT id FROM src.users",
        "clean.bad.sql": "SELECT id,\n       nope FROM src.users",
        "marts.c.sql": "SELECT id FROM clean.bad",
        "marts.d.sql": "SELECT count(*) AS n FROM clean.a",
    })
    failed = r"clean\.bad\.sql: unknown column 'nope'.*\(1 file\(s\) failed, 1 not run"
    with pytest.raises(ProjectFailed, match=failed) as caught:
        lake.run_transforms(folder)
    outcome = {f.target: f for f in caught.value.result.files}
    assert (caught.value.line, caught.value.col) == (2, 8)
    assert outcome["clean.bad"].error is not None and outcome["clean.bad"].version is None
    assert outcome["marts.c"].skipped and outcome["marts.c"].reason == "not run: clean.bad failed"
    assert outcome["clean.a"].version == 0 and outcome["marts.d"].version == 0
    assert {"clean.a", "marts.d"} <= set(lake.tables()) and not {"clean.bad", "marts.c"} & set(lake.tables())

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run-transforms", str(folder), "--lake", str(lake._storage.root), "--json"])
    assert result.exit_code == 1
    ran = {f["target"]: f for f in json.loads(result.stdout)["files"]}
    assert ran["clean.a"]["skipped"] and ran["marts.c"]["reason"] == "not run: clean.bad failed"
    assert len(result.stderr.strip().splitlines()) == 1  # under --json, the error's JSON document
    assert json.loads(result.stderr)["error"]["type"] == "ProjectFailed"


def test_cli_transform_takes_the_dialect_and_keys_from_the_file_header(lake: lk.Lake, tmp_path: Path) -> None:
    sql = tmp_path / "x.sql"
    sql.write_text("-- lakekit: dialect=bigquery incremental keys=id\n"
                   "SELECT `u`.id, u.amount FROM `proj.src.users` AS u")
    root = str(lake._storage.root)
    result = CliRunner().invoke(app, ["transform", "clean.x", str(sql), "--lake", root, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 3 and lake.read("clean.x").num_rows == 3
    assert lake.history("clean.x")[0].provenance.incremental is True
    sql.write_text("-- lakekit: materialized=view\nSELECT 1 AS a")
    result = CliRunner().invoke(app, ["transform", "clean.y", str(sql), "--lake", root])
    assert result.exit_code == 1 and "unknown header setting 'materialized'" in result.stderr
