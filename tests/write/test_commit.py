"""The one commit helper: exactly once, bounded retries, one jittered backoff policy.

Conflicts here are real: another writer commits to the same Delta table between the moment an
attempt takes its snapshot and its own exclusive commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import given
from hypothesis import strategies as st

from lakekit import Lake
from lakekit.errors import Conflict, TooManyConflicts, Transient
from lakekit.storage.delta import Commit
from lakekit.write.commit import POLICY, RetryPolicy, commit_once

TABLE = "raw.t"
FAST = RetryPolicy(attempts=3, first_delay=0.0, max_delay=0.0)


def _rows(tag: str) -> pa.Table:
    return pa.table({"tag": [tag]})


@pytest.fixture
def table(lake: Lake) -> str:
    write_deltalake(lake._storage.uri(TABLE), _rows("seed"))
    return lake._storage.uri(TABLE)


def _ours_once(lake: Lake, interfere: int) -> tuple[list[int], object]:
    """An attempt that commits "ours" exclusively, after another writer appended on its first
    ``interfere`` tries; returns the snapshots' versions and the attempt."""
    seen: list[int] = []
    storage = lake._storage

    def attempt(base: DeltaTable | None) -> int:
        assert base is not None
        seen.append(base.version())
        if base.transaction_version("ours") is not None:
            return -1
        if len(seen) <= interfere:
            write_deltalake(storage.uri(TABLE), _rows("other"), mode="append")
        return storage.write(TABLE, _rows("ours"), mode="append", base=base,
                             commit=Commit(transactions={"ours": 1}, exclusive=True))

    return seen, attempt


def test_a_lost_commit_is_tried_again_on_a_fresh_snapshot(lake: Lake, table: str) -> None:
    seen, attempt = _ours_once(lake, interfere=1)
    version = commit_once(lake._storage, TABLE, attempt, policy=FAST)  # type: ignore[arg-type]
    assert seen == [0, 1] and version == 2
    assert lake.read(TABLE).column("tag").to_pylist().count("ours") == 1


def test_retries_are_bounded_and_end_in_a_transient_error(lake: Lake, table: str) -> None:
    seen, attempt = _ours_once(lake, interfere=10)
    with pytest.raises(TooManyConflicts, match=r"'raw\.t' after 3 attempts") as caught:
        commit_once(lake._storage, TABLE, attempt, policy=FAST)  # type: ignore[arg-type]
    assert isinstance(caught.value, Transient) and not isinstance(caught.value, Conflict)
    assert seen == [0, 1, 2]  # one fresh snapshot per attempt
    assert "ours" not in lake.read(TABLE).column("tag").to_pylist()  # nothing of ours landed
    assert DeltaTable(table).version() == 3  # the table is whole at the other writer's last commit


def test_work_already_committed_is_found_not_redone(lake: Lake, table: str) -> None:
    _, attempt = _ours_once(lake, interfere=0)
    assert commit_once(lake._storage, TABLE, attempt) == 1  # type: ignore[arg-type]
    assert commit_once(lake._storage, TABLE, attempt) == -1  # type: ignore[arg-type]
    assert lake.read(TABLE).num_rows == 2


def test_a_missing_table_is_a_none_snapshot(lake: Lake) -> None:
    got: list[DeltaTable | None] = []
    commit_once(lake._storage, "raw.new", got.append)
    assert got == [None]


@given(st.integers(min_value=0, max_value=60))
def test_the_backoff_is_jittered_and_capped(lost: int) -> None:
    delays = {POLICY.delay(lost) for _ in range(20)}
    assert all(0.0 <= d <= min(POLICY.max_delay, POLICY.first_delay * 2 ** lost) for d in delays)
    assert len(delays) > 1  # jittered: writers that collided do not retry in step


WRITER = r"""
import sys
import pyarrow as pa
from lakekit import Lake
from lakekit.write import indexes
from lakekit.index import metadata

lake = Lake(sys.argv[1])
row = {"transform_id": "t-1", "source_table": "a.b", "source_version": 0, "source_column": "x",
       "target_table": "c.d", "target_version": 0, "target_column": "y", "kind": "direct", "subtype": "identity"}
for i in range(int(sys.argv[2])):
    indexes.append(lake._storage, "lineage", metadata.rows("lineage", [{**row, "transform_id": f"t-{i}"}]),
                   once_by="transform_id")
"""


@pytest.mark.slow
def test_processes_appending_the_same_keys_at_once_write_each_once(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    Lake(root)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), "8"]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    from lakekit.index import metadata

    ids = metadata.read(Lake(root)._storage, "lineage").column("transform_id").to_pylist()
    assert sorted(ids) == sorted(f"t-{i}" for i in range(8))
