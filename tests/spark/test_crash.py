"""kill -9 of a Spark transform: the target stays readable at its last version, a re-run commits
once, and ``vacuum`` sweeps what the killed job staged (Spark's ``_temporary`` folder, markers,
unreferenced data files).

A child process runs ``lake.transform(..., engine="spark")`` on its own local[2] session into a
target that already has version 0. It is killed from outside when Spark's staged folder appears
in the target (Spark is writing), or kills itself after Spark wrote the files and before delta-rs
commits them, or right after the commit (before the ``_lakekit/transforms`` row).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.storage.staged import PREFIX
from tests.transform.killed import (
    SQL,
    assert_consistent_then_rerun_once,
    expected,
    kill_when_it_appears,
    killed_at,
    rows,
    start,
)

ROWS = 300_000

CHILD = r"""
import json, sys
from lakekit import Lake
from tests.transform.killed import arm

spec = json.loads(sys.argv[1])
arm(spec["point"])
lake = Lake(spec["root"], engine="spark", spark="local[2]")
print("start", flush=True)
print(json.dumps(lake.transform("out.big", spec["sql"], dialect="duckdb").version), flush=True)
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Path:
    """out.big at version 0 made on Spark from src.big version 0; src.big version 1 adds ROWS rows."""
    root = tmp_path_factory.mktemp("spark-crash") / "lake"
    lake = Lake(root, engine="spark", spark=spark)
    write_deltalake(lake._storage.uri("src.big"), rows(-100, 100))
    assert lake.transform("out.big", SQL, dialect="duckdb").version == 0
    write_deltalake(lake._storage.uri("src.big"), rows(0, ROWS), mode="append")
    return root


@pytest.fixture
def lake(base: Path, tmp_path: Path, spark: Any) -> Lake:
    shutil.copytree(base, tmp_path / "lake")
    return Lake(tmp_path / "lake", engine="spark", spark=spark)


def _consistent_then_swept(lake: Lake) -> None:
    """The checks of every transform kill test, then what a vacuum leaves of the killed job."""
    assert_consistent_then_rerun_once(lake)
    lake.vacuum("out.big", retention_hours=0)
    folder = Path(lake._storage.uri("out.big"))
    left = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        p.relative_to(folder).as_posix() for p in (folder / "_delta_log").rglob("*")}
    referenced = {Path(u).relative_to(folder).as_posix() for u in lake._storage.open("out.big").file_uris()}
    assert left == referenced  # no _SUCCESS, no .crc, no _temporary, no unreferenced file
    assert lake.read("out.big").num_rows == expected(lake, 1)


def test_kill_while_spark_writes(lake: Lake) -> None:
    child = start(lake, "none", CHILD)
    kill_when_it_appears(child, Path(lake._storage.uri("out.big")), lambda n: n.startswith(PREFIX), 300)
    child.communicate(timeout=60)
    _consistent_then_swept(lake)


def test_kill_between_the_staged_files_and_their_commit(lake: Lake) -> None:
    killed_at(lake, "commit", CHILD, 300)
    folder = Path(lake._storage.uri("out.big"))
    assert any(p.name.startswith(PREFIX) and any(p.glob("*.parquet")) for p in folder.iterdir())
    _consistent_then_swept(lake)


def test_kill_between_the_commit_and_its_index_row(lake: Lake) -> None:
    killed_at(lake, "index", CHILD, 300)
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    _consistent_then_swept(lake)
