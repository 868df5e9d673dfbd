"""Run bookkeeping through a journal: rows seen at once, folded into the index table exactly once
(after a fold killed half-way, and with processes recording and folding at the same time)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.index import journal, metadata
from lakekit.write import indexes


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.t"), pa.table({"id": [1, 2, 3]}))
    return lake


def _run(lake: Lake, n: int) -> str:
    with lake.start_run("job", params={"n": n}) as run:
        run.read("raw.t")
        run.log_metrics({"auc": n / 10})
    return run.run_id


def _journal(lake: Lake, name: str) -> Path:
    return Path(lake._storage.root) / journal.FOLDER / name


def test_a_run_is_seen_at_once_and_costs_no_commit(lake: Lake) -> None:
    run_id = _run(lake, 1)
    assert lake.run(run_id).status == "finished" and lake.run(run_id).inputs == {"raw.t": 0}
    assert not (Path(lake._storage.root) / "_lakekit" / "runs").exists()  # not one commit yet
    assert len(list(_journal(lake, "runs").glob("*.arrow"))) == 2  # started, finished


def test_young_entries_wait_for_the_grace(lake: Lake) -> None:
    _run(lake, 1)
    indexes.fold(lake._storage, "runs")
    assert not (Path(lake._storage.root) / "_lakekit" / "runs").exists()


def test_a_fold_moves_each_row_once_even_when_killed_before_deleting(lake: Lake,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "GRACE", timedelta(0))
    ids = [_run(lake, n) for n in range(3)]
    entries = {p.name: p.read_bytes() for p in _journal(lake, "runs").glob("*.arrow")}
    indexes.fold(lake._storage, "runs")
    assert not list(_journal(lake, "runs").glob("*.arrow"))
    for name, data in entries.items():  # as a fold killed between its commit and its deletions leaves them
        (_journal(lake, "runs") / name).write_bytes(data)
    assert sorted(lake.runs().column("run_id").to_pylist()) == sorted(ids)
    assert metadata.read(lake._storage, "runs").num_rows == 6
    later = _run(lake, 9)
    indexes.fold(lake._storage, "runs")
    assert not list(_journal(lake, "runs").glob("*.arrow"))
    assert metadata.read(lake._storage, "runs").num_rows == 8
    assert sorted(lake.runs().column("run_id").to_pylist()) == sorted([*ids, later])


def test_writers_fold_as_they_go(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "GRACE", timedelta(0))
    monkeypatch.setattr(indexes, "FOLD_EVERY", 4)
    ids = [_run(lake, n) for n in range(7)]
    assert len(list(_journal(lake, "runs").glob("*.arrow"))) < 4
    assert sorted(lake.runs().column("run_id").to_pylist()) == sorted(ids)
    assert metadata.read(lake._storage, "run_inputs").num_rows == 7


CHILD = """
import sys, time
from datetime import timedelta
from lakekit import Lake
from lakekit.index import journal
from lakekit.write import indexes
journal.GRACE = timedelta(milliseconds=500)
indexes.FOLD_EVERY = 3
lake = Lake(sys.argv[1])
for n in range(int(sys.argv[2])):
    with lake.start_run("job-" + sys.argv[3], params={"n": n}) as run:
        run.read("raw.t")
    time.sleep(0.1)
"""
"""A process recording runs while the other folds: folds take entries GRACE old (short here, so they
happen during the runs; never zero, which would let a fold pass over an entry another process named
but had not yet written — the race GRACE exists for)."""


def test_processes_recording_and_folding_at_once_lose_and_double_nothing(lake: Lake) -> None:
    children = [subprocess.Popen([sys.executable, "-c", CHILD, lake._storage.root, "12", str(k)],
                                 stderr=subprocess.PIPE, text=True) for k in range(2)]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    runs = lake.runs()
    assert runs.num_rows == 24 and set(runs.column("status").to_pylist()) == {"finished"}
    assert metadata.read(lake._storage, "run_inputs").num_rows == 24
    assert metadata.read(lake._storage, "runs").num_rows == 48  # started + finished, each once
    assert len(list(_journal(lake, "runs").glob("*.arrow"))) < 48, "no fold ran while the runs were recorded"
