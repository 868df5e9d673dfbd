"""kill -9 of a Spark transform: the target stays readable at its last version, a re-run commits
once, and ``vacuum`` sweeps what the killed job staged (Spark's ``_temporary`` folder, markers,
unreferenced data files).

A child process runs ``lake.transform(..., engine="spark")`` on its own local[2] session into a
target that already has version 0. It is killed from outside when Spark's staged folder appears
in the target (Spark is writing), or kills itself after Spark wrote the files and before delta-rs
commits them, or right after the commit (before the ``_lakekit/transforms`` row).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.index import metadata
from lakekit.storage.staged import PREFIX

ROWS = 300_000
SQL = "SELECT id, amount * 2 AS doubled, upper(name) AS name FROM src.big WHERE amount % 2 = 0"

CHILD = r"""
import json, os, signal, sys
import lakekit.storage.staged, lakekit.write.indexes
from lakekit import Lake

spec = json.loads(sys.argv[1])

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if spec["point"] == "commit":
    lakekit.storage.staged.commit = die
elif spec["point"] == "index":
    append = lakekit.write.indexes.append
    def dying_append(storage, name, table, **kwargs):
        if name == "transforms":
            die()
        return append(storage, name, table, **kwargs)
    lakekit.write.indexes.append = dying_append

lake = Lake(spec["root"], engine="spark", spark="local[2]")
print("start", flush=True)
print(json.dumps(lake.transform("out.big", spec["sql"], dialect="duckdb").version), flush=True)
"""


def _rows(start: int, n: int) -> pa.Table:
    ids = pa.array(range(start, start + n), pa.int64())
    return pa.table({"id": ids, "amount": pc.bit_wise_and(ids, 15),
                     "name": pc.binary_join_element_wise("user-", pc.cast(ids, pa.string()), "")})


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Path:
    """out.big at version 0 made on Spark from src.big version 0; src.big version 1 adds ROWS rows."""
    root = tmp_path_factory.mktemp("spark-crash") / "lake"
    lake = Lake(root, engine="spark", spark=spark)
    write_deltalake(lake._storage.uri("src.big"), _rows(-100, 100))
    assert lake.transform("out.big", SQL, dialect="duckdb").version == 0
    write_deltalake(lake._storage.uri("src.big"), _rows(0, ROWS), mode="append")
    return root


@pytest.fixture
def lake(base: Path, tmp_path: Path, spark: Any) -> Lake:
    shutil.copytree(base, tmp_path / "lake")
    return Lake(tmp_path / "lake", engine="spark", spark=spark)


def _start(lake: Lake, point: str) -> subprocess.Popen:
    spec = {"root": lake.root, "sql": SQL, "point": point}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(spec)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "start", child.communicate()
    return child


def _expected(lake: Lake, version: int) -> int:
    return lake.sql(f"SELECT count(*) AS n FROM ({SQL.replace('src.big', f'src.big VERSION AS OF {version}')})",
                    dialect="databricks", engine="duckdb").column("n")[0].as_py()


def _assert_consistent_then_rerun_once(lake: Lake) -> None:
    versions = sorted(h.version for h in lake.history("out.big"))
    assert versions in ([0], [0, 1])
    committed = versions == [0, 1]
    assert lake.read("out.big").num_rows == _expected(lake, 1 if committed else 0)
    assert lake.read("out.big", version=0).num_rows == _expected(lake, 0)

    again = lake.transform("out.big", SQL, dialect="duckdb")
    assert (again.version, again.skipped) == (1, committed)
    assert lake.transform("out.big", SQL, dialect="duckdb").skipped
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    out = lake.read("out.big")
    assert out.num_rows == _expected(lake, 1) == pc.count_distinct(out.column("id")).as_py()
    lake.lineage.upstream("out.big")  # reading the lineage heals its index from the table's own commits
    indexed = metadata.read(lake._storage, "transforms").column("version").to_pylist()
    assert indexed.count(0) == 1 and indexed.count(1) == 1

    lake.vacuum("out.big", retention_hours=0)
    folder = Path(lake._storage.uri("out.big"))
    left = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        p.relative_to(folder).as_posix() for p in (folder / "_delta_log").rglob("*")}
    referenced = {Path(u).relative_to(folder).as_posix() for u in lake._storage.open("out.big").file_uris()}
    assert left == referenced  # no _SUCCESS, no .crc, no _temporary, no unreferenced file
    assert lake.read("out.big").num_rows == _expected(lake, 1)


def test_kill_while_spark_writes(lake: Lake) -> None:
    folder = Path(lake._storage.uri("out.big"))
    before = set(os.listdir(folder))
    child = _start(lake, "none")
    deadline = time.monotonic() + 300
    while not any(n.startswith(PREFIX) for n in set(os.listdir(folder)) - before):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    _assert_consistent_then_rerun_once(lake)


def test_kill_between_the_staged_files_and_their_commit(lake: Lake) -> None:
    child = _start(lake, "commit")
    child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL
    folder = Path(lake._storage.uri("out.big"))
    assert any(p.name.startswith(PREFIX) and any(p.glob("*.parquet")) for p in folder.iterdir())
    _assert_consistent_then_rerun_once(lake)


def test_kill_between_the_commit_and_its_index_row(lake: Lake) -> None:
    child = _start(lake, "index")
    child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    _assert_consistent_then_rerun_once(lake)
