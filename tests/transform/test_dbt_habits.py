"""dbt habits: SQL that reads the clock or a random source is never skipped as unchanged, a full
refresh always rebuilds, and selections by bare name, glob, path, tag, union and intersection,
listed by ``lakekit ls``."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as arrow
import pytest
from deltalake import write_deltalake
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import UsageError
from lakekit.transform.project import SqlFile, selected

PROJECT = {
    "staging/clean.users.sql": "-- lakekit: tags=nightly\nSELECT id, amount FROM src.users",
    "staging/clean.orders.sql": "SELECT id, amount FROM src.users WHERE amount > 0",
    "marts/marts.spend.sql": "-- lakekit: tags=nightly,finance\n"
                             "SELECT u.id, o.amount FROM clean.users u JOIN clean.orders o ON u.id = o.id",
    "marts/marts.users.sql": "SELECT id FROM clean.users",
}


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("src.users"), arrow.table({"id": [1, 2], "amount": [5, -1]}))
    return lake


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name, sql in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(sql)
    return root


@pytest.mark.parametrize("sql", [
    "SELECT id, CURRENT_DATE AS day FROM src.users",
    "SELECT id FROM src.users WHERE amount > RANDOM()",
    "SELECT id, UUID_STRING() AS token FROM src.users",
    "SELECT id, CURRENT_TIMESTAMP() AS at FROM src.users",
])
def test_sql_reading_the_clock_or_a_random_source_is_never_skipped(lake: lk.Lake, sql: str):
    first = lake.transform("out.volatile", sql, dialect="snowflake")
    second = lake.transform("out.volatile", sql, dialect="snowflake")
    assert not second.skipped and second.version == first.version + 1


def test_full_refresh_always_rebuilds(lake: lk.Lake, folder: Path):
    sql = "SELECT id, amount FROM src.users"
    first = lake.transform("out.same", sql, dialect="snowflake")
    assert lake.transform("out.same", sql, dialect="snowflake").skipped
    rebuilt = lake.transform("out.same", sql, dialect="snowflake", full_refresh=True)
    assert not rebuilt.skipped and rebuilt.version == first.version + 1
    lake.run_transforms(folder)
    assert all(f.skipped for f in lake.run_transforms(folder).files)
    assert not any(f.skipped for f in lake.run_transforms(folder, full_refresh=True).files)


@pytest.mark.parametrize(("select", "runs"), [
    ("spend", ["marts.spend"]),                                   # a bare name, unambiguous
    ("+spend", ["clean.orders", "clean.users", "marts.spend"]),
    ("clean.*", ["clean.orders", "clean.users"]),                 # glob over tables
    ("staging.*", ["clean.orders", "clean.users"]),               # glob over file paths
    ("path:marts", ["marts.spend", "marts.users"]),
    ("path:staging/clean.users.sql", ["clean.users"]),
    ("tag:nightly", ["clean.users", "marts.spend"]),
    ("tag:nightly,marts.*", ["marts.spend"]),                     # intersection
    ("tag:finance orders", ["clean.orders", "marts.spend"]),      # union
    ("clean.users+,tag:nightly", ["clean.users", "marts.spend"]),
])
def test_selectors(lake: lk.Lake, folder: Path, select: str, runs: list[str]):
    lake.run_transforms(folder)
    assert [f.target for f in lake.run_transforms(folder, select=select).files] == runs


@pytest.mark.parametrize(("select", "message"), [
    ("users", r"selection 'users' is ambiguous: clean\.users, marts\.users; name the table"),
    ("nope", r"unknown selection 'nope': no SQL file of the project makes 'nope'"),
    ("tag:weekly", r"unknown selection 'tag:weekly': it names no SQL file"),
])
def test_selection_errors(lake: lk.Lake, folder: Path, select: str, message: str):
    with pytest.raises(UsageError, match=message):
        lake.run_transforms(folder, select=select)


def test_ls_prints_what_would_run(folder: Path):
    result = CliRunner().invoke(app, ["--json", "ls", str(folder), "--select", "tag:nightly"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"table": "clean.users", "file": "staging/clean.users.sql", "tags": ["nightly"], "reads": ["src.users"]},
        {"table": "marts.spend", "file": "marts/marts.spend.sql", "tags": ["nightly", "finance"],
         "reads": ["clean.orders", "clean.users"]}]
    failed = CliRunner().invoke(app, ["ls", str(folder), "--select", "users"])
    assert failed.exit_code != 0 and "ambiguous" in failed.output and "Traceback" not in failed.output


_TARGETS = ["a.x", "a.y", "b.z", "b.w"]
_FILES = {t: SqlFile(f"{t}.sql", t, "", "duckdb", (), tags=(("t1",) if i % 2 else ("t2",)),
                     relative=f"{t.split('.')[0]}/{t}.sql") for i, t in enumerate(_TARGETS)}


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["a.*", "b.*", "tag:t1", "tag:t2", "path:a", "x", "z", "a.y"]),
                min_size=1, max_size=3))
def test_spaces_unite_and_commas_intersect(atoms: list[str]):
    alone = [selected(_FILES, atom) for atom in atoms]
    assert selected(_FILES, " ".join(atoms)) == set().union(*alone)
    assert selected(_FILES, ",".join(atoms)) == set.intersection(*alone)
