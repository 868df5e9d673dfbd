"""kill -9 during an ingest: the table stays at its last committed version, and a re-run
completes the load exactly once.

A child process (``sys.executable``) ingests a ~60 MB CSV into a table that already holds
one committed version. It is killed with SIGKILL at several points: by the test from outside
(after fixed delays, when the load's first Parquet file appears in the table folder, when the
new ``_delta_log`` commit appears), or by itself at deterministic points of the load, by
wrapping lakekit's public functions inside the child (when the file's fingerprint is taken,
its rows written but not committed; halfway through the source's record batches; right after
the data commit, before the ``_lakekit/loads`` index row). Nothing in lakekit knows about these tests.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from lakekit import Lake
from lakekit.index import metadata

TABLE = "raw.events"
BIG_ROWS = 700_000
BASE_ROWS = 1_000

CHILD = r"""
import json, os, signal, sys, time
import lakekit.write.indexes, lakekit.sources
from lakekit import Lake

spec = json.loads(sys.argv[1])
point = spec["point"]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "fingerprint":  # the rows are written (staged), the commit waits for the file's hash
    lakekit.sources.Digest.checksum = lambda self: die()
elif point == "stream":
    read = lakekit.sources.read
    def killing_read(src, *args, **kwargs):
        reader = read(src, *args, **kwargs)
        def batches():
            for i, batch in enumerate(reader):
                if i == spec["batches"]:
                    die()
                yield batch
        import pyarrow as pa
        return pa.RecordBatchReader.from_batches(reader.schema, batches())
    lakekit.sources.read = killing_read
elif point in ("index", "pause-index"):
    append = lakekit.write.indexes.append
    def hooked_append(storage, name, table, **kwargs):
        if name == "loads":
            if point == "index":
                die()
            open(spec["paused"], "w").close()
            while not os.path.exists(spec["resume"]):
                time.sleep(0.001)
        return append(storage, name, table, **kwargs)
    lakekit.write.indexes.append = hooked_append

lake = Lake(spec["root"])
print("start", flush=True)
r = lake.ingest(spec["table"], spec["source"])
print(json.dumps({"version": r.version, "rows": r.rows, "load_id": r.load_id}), flush=True)
"""


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """~60 MB of CSV: 700k rows of ints, strings, floats, timestamps with time zone and bools."""
    path = tmp_path_factory.mktemp("crash-sources") / "big.csv"
    pacsv.write_csv(_events(0, BIG_ROWS), path)
    return path


def _events(start: int, n: int) -> pa.Table:
    ids = pa.array(range(start, start + n), pa.int64())
    return pa.table({
        "id": ids,
        "email": pc.binary_join_element_wise("user-", pc.cast(ids, pa.string()), "@example.com", ""),
        "score": pc.divide(pc.cast(ids, pa.float64()), 7.0),
        "country": pc.binary_join_element_wise("c", pc.cast(pc.bit_wise_and(ids, 7), pa.string()), ""),
        "ts": pc.cast(pc.multiply(ids, 1000), pa.timestamp("ms", tz="UTC")),
        "flag": pc.equal(pc.bit_wise_and(ids, 1), 0),
    })


@pytest.fixture(scope="module")
def base_lake(tmp_path_factory) -> Path:
    """A lake whose table has one committed version of BASE_ROWS rows (negative ids)."""
    folder = tmp_path_factory.mktemp("crash-base")
    small = folder / "small.csv"
    pacsv.write_csv(_events(-BASE_ROWS, BASE_ROWS), small)
    lake = Lake(folder / "lake")
    assert lake.ingest(TABLE, str(small)).version == 0
    return folder / "lake"


def _fresh_lake(base_lake: Path, tmp_path: Path) -> Lake:
    shutil.copytree(base_lake, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def _start(lake: Lake, source: Path, point: str = "none", **extra: object) -> subprocess.Popen:
    spec = {"root": lake.root, "table": TABLE, "source": str(source), "point": point, **extra}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(spec)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline().strip()
    assert line == "start", child.communicate()
    return child


def _wait_for(predicate, child: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert child.poll() is None, f"the load finished before the kill point: {child.communicate()}"
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.0005)


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)


def _table_dir(lake: Lake) -> Path:
    return Path(lake._storage.uri(TABLE))


def _assert_consistent_after_crash(lake: Lake) -> bool:
    """The table reads back whole at its last committed version; True when the load had committed."""
    versions = sorted(h.version for h in lake.history(TABLE))
    assert versions in ([0], [0, 1])
    t = lake.read(TABLE)
    committed = versions == [0, 1]
    assert t.num_rows == BASE_ROWS + (BIG_ROWS if committed else 0)
    assert lake.read(TABLE, version=0).num_rows == BASE_ROWS
    return committed


def _assert_rerun_loads_once(lake: Lake, source: Path, committed: bool) -> None:
    r = lake.ingest(TABLE, str(source))
    assert r.skipped == committed
    if not committed:
        assert (r.version, r.rows) == (1, BIG_ROWS)
    assert lake.ingest(TABLE, str(source)).skipped

    assert sorted(h.version for h in lake.history(TABLE)) == [0, 1]
    t = lake.read(TABLE, columns=["id", "_load_id"])
    assert t.num_rows == BASE_ROWS + BIG_ROWS
    assert pc.count_distinct(t.column("id")).as_py() == BASE_ROWS + BIG_ROWS
    big = t.filter(pc.greater_equal(t.column("id"), 0))
    (big_load,) = pc.unique(big.column("_load_id")).to_pylist()

    loads = lake.loads(TABLE)
    assert loads.num_rows == 2
    row = loads.filter(pc.equal(loads.column("load_id"), big_load)).to_pylist()
    assert len(row) == 1
    assert row[0]["version"] == 1 and row[0]["rows"] == BIG_ROWS
    assert [f["uri"] for f in json.loads(row[0]["files"])] == [str(source)]
    # the index is healed once, not on every call
    assert lake.loads(TABLE).num_rows == 2
    assert metadata.read(lake._storage, "loads").num_rows == 2


@pytest.mark.parametrize(("point", "extra"), [
    ("fingerprint", {}),
    ("stream", {"batches": 25}),
])
def test_kill_before_the_commit(base_lake, big_csv, tmp_path, point, extra):
    lake = _fresh_lake(base_lake, tmp_path)
    child = _start(lake, big_csv, point, **extra)
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL

    assert not _assert_consistent_after_crash(lake)
    _assert_rerun_loads_once(lake, big_csv, committed=False)


def test_kill_between_the_commit_and_the_index_row(base_lake, big_csv, tmp_path):
    lake = _fresh_lake(base_lake, tmp_path)
    child = _start(lake, big_csv, "index")
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL

    assert _assert_consistent_after_crash(lake)
    assert metadata.read(lake._storage, "loads").num_rows == 1  # only the base load is indexed
    _assert_rerun_loads_once(lake, big_csv, committed=True)


def test_kill_when_the_first_data_file_appears(base_lake, big_csv, tmp_path):
    lake = _fresh_lake(base_lake, tmp_path)
    before = set(_table_dir(lake).rglob("*.parquet"))
    child = _start(lake, big_csv)
    _wait_for(lambda: bool(set(_table_dir(lake).rglob("*.parquet")) - before), child)
    _kill(child)

    committed = _assert_consistent_after_crash(lake)
    _assert_rerun_loads_once(lake, big_csv, committed=committed)


def test_kill_when_the_commit_appears(base_lake, big_csv, tmp_path):
    lake = _fresh_lake(base_lake, tmp_path)
    commit = _table_dir(lake) / "_delta_log" / f"{1:020d}.json"
    child = _start(lake, big_csv)
    _wait_for(commit.exists, child)
    _kill(child)

    assert _assert_consistent_after_crash(lake)
    _assert_rerun_loads_once(lake, big_csv, committed=True)


@pytest.mark.parametrize("delay", [0.05, 0.4, 0.8])
def test_kill_after_a_delay(base_lake, big_csv, tmp_path, delay):
    lake = _fresh_lake(base_lake, tmp_path)
    child = _start(lake, big_csv)
    time.sleep(delay)
    _kill(child)

    committed = _assert_consistent_after_crash(lake)
    _assert_rerun_loads_once(lake, big_csv, committed=committed)


def test_healing_the_index_while_the_load_is_still_running(base_lake, big_csv, tmp_path):
    """A reader heals the index between another process's data commit and its index row."""
    lake = _fresh_lake(base_lake, tmp_path)
    paused, resume = tmp_path / "paused", tmp_path / "resume"
    child = _start(lake, big_csv, "pause-index", paused=str(paused), resume=str(resume))
    _wait_for(paused.exists, child)
    assert lake.loads(TABLE).num_rows == 2  # healed from the table's commit
    resume.touch()
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err

    loads = lake.loads(TABLE)
    assert sorted(loads.column("version").to_pylist()) == [0, 1]
    _assert_rerun_loads_once(lake, big_csv, committed=True)
