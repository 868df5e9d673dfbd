"""kill -9 during a transform: the target stays readable at its last version, and a re-run lands once.

A child process runs ``lake.transform`` over a few hundred thousand rows into a target that
already has version 0. It is killed from outside when the transform's first Parquet file
appears in the target folder, or kills itself while the query's batches stream (before the
commit) or right after the commit (before the ``_lakekit/transforms`` row, which the next lineage
read then rebuilds from the commit's provenance).
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

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.index import metadata

ROWS = 400_000
SQL = "SELECT id, amount * 2 AS doubled, upper(name) AS name FROM src.big WHERE amount % 2 = 0"

CHILD = r"""
import json, os, signal, sys
import pyarrow as pa
import lakekit.write.indexes, lakekit.transform.query
from lakekit import Lake

spec = json.loads(sys.argv[1])

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if spec["point"] == "stream":
    execute = lakekit.transform.query.execute
    def dying(*args, **kwargs):
        reader = execute(*args, **kwargs)
        def batches():
            for i, batch in enumerate(reader):
                if i == 2:
                    die()
                yield batch
        return pa.RecordBatchReader.from_batches(reader.schema, batches())
    lakekit.transform.query.execute = dying
elif spec["point"] == "index":
    append = lakekit.write.indexes.append
    def dying_append(storage, name, table, **kwargs):
        if name == "transforms":
            die()
        return append(storage, name, table, **kwargs)
    lakekit.write.indexes.append = dying_append

lake = Lake(spec["root"])
print("start", flush=True)
print(json.dumps(lake.transform("out.big", spec["sql"]).asdict()["version"]), flush=True)
"""


def _rows(start: int, n: int) -> pa.Table:
    ids = pa.array(range(start, start + n), pa.int64())
    return pa.table({"id": ids, "amount": pc.bit_wise_and(ids, 15),
                     "name": pc.binary_join_element_wise("user-", pc.cast(ids, pa.string()), "")})


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """out.big at version 0 made from src.big version 0; src.big version 1 adds ROWS rows."""
    root = tmp_path_factory.mktemp("transform-crash") / "lake"
    lake = Lake(root)
    write_deltalake(lake._storage.uri("src.big"), _rows(-100, 100))
    assert lake.transform("out.big", SQL).version == 0
    write_deltalake(lake._storage.uri("src.big"), _rows(0, ROWS), mode="append")
    return root


@pytest.fixture
def lake(base: Path, tmp_path: Path) -> Lake:
    shutil.copytree(base, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def _start(lake: Lake, point: str) -> subprocess.Popen:
    spec = {"root": lake.root, "sql": SQL, "point": point}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(spec)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "start", child.communicate()
    return child


def _expected(lake: Lake, version: int) -> int:
    return lake.sql(f"SELECT count(*) AS n FROM ({SQL.replace('src.big', f'src.big VERSION AS OF {version}')})",
                    dialect="databricks").column("n")[0].as_py()


def _assert_consistent_then_rerun_once(lake: Lake) -> None:
    versions = sorted(h.version for h in lake.history("out.big"))
    assert versions in ([0], [0, 1])
    committed = versions == [0, 1]
    assert lake.read("out.big").num_rows == _expected(lake, 1 if committed else 0)
    assert lake.read("out.big", version=0).num_rows == _expected(lake, 0)

    again = lake.transform("out.big", SQL)
    assert (again.version, again.skipped) == (1, committed)
    assert lake.transform("out.big", SQL).skipped
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    out = lake.read("out.big")
    assert out.num_rows == _expected(lake, 1) == pc.count_distinct(out.column("id")).as_py()
    lake.lineage.upstream("out.big")  # reading the lineage heals its index from the table's own commits
    versions_indexed = metadata.read(lake._storage, "transforms").column("version").to_pylist()
    assert versions_indexed.count(0) == 1 and versions_indexed.count(1) == 1
    edges = metadata.read(lake._storage, "lineage").to_pylist()
    assert {r["target_version"] for r in edges} == {0, 1}
    assert len(edges) == 2 * len({(r["source_column"], r["target_column"], r["subtype"]) for r in edges})


def test_kill_while_the_rows_stream(lake: Lake) -> None:
    child = _start(lake, "stream")
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    _assert_consistent_then_rerun_once(lake)


def test_kill_when_the_first_parquet_file_of_the_target_appears(lake: Lake) -> None:
    folder = Path(lake._storage.uri("out.big"))
    before = set(os.listdir(folder))
    child = _start(lake, "none")
    deadline = time.monotonic() + 60
    while not any(n.endswith(".parquet") for n in set(os.listdir(folder)) - before):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.0005)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    _assert_consistent_then_rerun_once(lake)


def test_kill_between_the_commit_and_its_index_row(lake: Lake) -> None:
    child = _start(lake, "index")
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    _assert_consistent_then_rerun_once(lake)
