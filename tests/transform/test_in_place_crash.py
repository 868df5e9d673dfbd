"""kill -9 during an UPDATE or DELETE transform that delta-rs runs on its target: the table stays
readable at its last version, and a re-run lands once.

``src.big`` holds four files; the statement picks rows of one. A child process runs it and is
killed when the first Parquet file delta-rs writes for it appears (the staged folder of the files
DuckDB rewrites, for what delta-rs does not run), instead of committing the files DuckDB rewrote,
or kills itself right after the commit (before the ``_lakekit/transforms`` row, which the next
lineage read rebuilds from the commit's provenance).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from deltalake import DeltaTable, write_deltalake

from lakekit import Lake
from lakekit.index import metadata
from tests.transform.killed import CHILD, kill_when_it_appears, killed_at, rows, start

PART = 100_000
CHANGES = {
    "update": ("UPDATE src.big SET name = 'changed' WHERE id BETWEEN 1000 AND 1999", "UPDATE"),
    "delete": ("DELETE FROM src.big WHERE id < 1000 OR id = 5", "DELETE"),
    # replace(): DuckDB's, rewriting the file holding the rows picked (staged, then committed)
    "rewritten update": ("UPDATE src.big SET name = replace(name, name, 'changed') WHERE id BETWEEN 1000 AND 1999",
                         "WRITE"),
    "rewritten delete": ("DELETE FROM src.big WHERE id < 1000 OR replace(name, '-', '') = 'user5'", "WRITE"),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("in-place-crash") / "lake"
    lake = Lake(root)
    for n in range(4):
        write_deltalake(lake._storage.uri("src.big"), rows(n * PART, PART), mode="append")
    return root


@pytest.fixture
def lake(base: Path, tmp_path: Path) -> Lake:
    shutil.copytree(base, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def expected(kind: str) -> tuple[int, int]:
    """(rows, rows named 'changed') once the statement of ``kind`` has run."""
    return (4 * PART, 1000) if kind.endswith("update") else (4 * PART - 1000, 0)


def assert_consistent_then_rerun_once(lake: Lake, kind: str) -> None:
    sql, operation = CHANGES[kind]
    versions = sorted(h.version for h in lake.history("src.big"))
    assert versions in ([0, 1, 2, 3], [0, 1, 2, 3, 4])
    committed = versions[-1] == 4
    table = lake.read("src.big")
    changed = table.column("name").to_pylist().count("changed")
    assert (table.num_rows, changed) == (expected(kind) if committed else (4 * PART, 0))

    again = lake.transform("src.big", sql)
    assert (again.version, again.skipped) == (4, committed)
    assert lake.transform("src.big", sql).skipped
    assert DeltaTable(lake._storage.uri("src.big")).history(1)[0]["operation"] == operation
    table = lake.read("src.big")
    assert (table.num_rows, table.column("name").to_pylist().count("changed")) == expected(kind)
    lake.lineage.upstream("src.big")  # reading the lineage heals its index from the table's own commits
    assert metadata.read(lake._storage, "transforms").column("version").to_pylist() == [4]


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_kill_when_the_first_parquet_file_of_the_change_appears(lake: Lake, kind: str) -> None:
    child = start(lake, "none", CHILD, CHANGES[kind][0], "src.big")
    written = (lambda n: n.startswith("staged-")) if kind.startswith("rewritten") else \
        (lambda n: n.endswith(".parquet"))
    kill_when_it_appears(child, Path(lake._storage.uri("src.big")), written, 60)
    child.communicate(timeout=30)
    assert_consistent_then_rerun_once(lake, kind)


@pytest.mark.parametrize("kind", ["rewritten delete", "rewritten update"])
def test_kill_instead_of_committing_the_files_rewritten(lake: Lake, kind: str) -> None:
    killed_at(lake, "commit", CHILD, 60, CHANGES[kind][0], "src.big")
    assert sorted(h.version for h in lake.history("src.big"))[-1] == 3
    assert_consistent_then_rerun_once(lake, kind)


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_kill_between_the_commit_and_its_index_row(lake: Lake, kind: str) -> None:
    killed_at(lake, "index", CHILD, 60, CHANGES[kind][0], "src.big")
    assert sorted(h.version for h in lake.history("src.big"))[-1] == 4
    assert_consistent_then_rerun_once(lake, kind)
