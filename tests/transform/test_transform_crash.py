"""kill -9 during a transform: the target stays readable at its last version, and a re-run lands once.

A child process runs ``lake.transform`` over a few hundred thousand rows into a target that
already has version 0. It is killed from outside when the transform's first Parquet file
appears in the target folder, or kills itself while the query's batches stream (before the
commit) or right after the commit (before the ``_lakekit/transforms`` row, which the next lineage
read then rebuilds from the commit's provenance).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from deltalake import write_deltalake

from lakekit import Lake
from tests.transform.killed import (
    CHILD,
    SQL,
    assert_consistent_then_rerun_once,
    kill_when_it_appears,
    killed_at,
    rows,
    start,
)

ROWS = 400_000


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """out.big at version 0 made from src.big version 0; src.big version 1 adds ROWS rows."""
    root = tmp_path_factory.mktemp("transform-crash") / "lake"
    lake = Lake(root)
    write_deltalake(lake._storage.uri("src.big"), rows(-100, 100))
    assert lake.transform("out.big", SQL).version == 0
    write_deltalake(lake._storage.uri("src.big"), rows(0, ROWS), mode="append")
    return root


@pytest.fixture
def lake(base: Path, tmp_path: Path) -> Lake:
    shutil.copytree(base, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def test_kill_while_the_rows_stream(lake: Lake) -> None:
    killed_at(lake, "stream", CHILD, 60)
    assert_consistent_then_rerun_once(lake)


def test_kill_when_the_first_parquet_file_of_the_target_appears(lake: Lake) -> None:
    child = start(lake, "none", CHILD)
    kill_when_it_appears(child, Path(lake._storage.uri("out.big")), lambda n: n.endswith(".parquet"), 60)
    child.communicate(timeout=30)
    assert_consistent_then_rerun_once(lake)


def test_kill_between_the_commit_and_its_index_row(lake: Lake) -> None:
    killed_at(lake, "index", CHILD, 60)
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    assert_consistent_then_rerun_once(lake)
