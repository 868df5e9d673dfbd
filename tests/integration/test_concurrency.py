"""Several processes ingest into one table at the same moment.

Each worker is a real Python process (``sys.executable``) that imports lakekit, opens the
lake, reports ready and then spins on a barrier file, so all of them enter ``Lake.ingest``
within about a millisecond of each other. Exactly-once must hold across processes: the same
file lands in exactly one version, once; different files all land, none lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from lakekit import Lake

WORKER = r"""
import json, os, sys, time, traceback
from lakekit import Lake

for line in sys.stdin:
    job = json.loads(line)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(job["env"])
    lake = Lake(job["root"], storage_options=job["options"])
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(job["barrier"]) and time.monotonic() < deadline:
        time.sleep(0.0005)
    try:
        r = lake.ingest(job["table"], job["source"])
        out = {"version": r.version, "rows": r.rows, "skipped": r.skipped, "load_id": r.load_id,
               "files": [f.uri for f in r.files]}
    except Exception:
        out = {"error": traceback.format_exc()}
    print(json.dumps(out), flush=True)
"""


class Workers:
    """Long-lived worker processes (lakekit imported once), each running one ingest per job."""

    def __init__(self, folder: Path, n: int) -> None:
        self.folder = folder
        script = folder / "worker.py"
        script.write_text(WORKER)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.procs = [subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       text=True, env=env) for _ in range(n)]

    def run_together(self, lake: Lake, options: dict[str, str], jobs: list[tuple[str, str]]) -> list[dict]:
        """One ingest per (table, source), all released at once; their LoadResults as dicts, in job order."""
        assert len(jobs) <= len(self.procs)
        barrier = self.folder / f"go-{time.monotonic_ns()}"
        env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        procs = self.procs[: len(jobs)]
        for p, (table, source) in zip(procs, jobs, strict=True):
            job = {"root": lake.root, "options": options, "table": table, "source": source,
                   "barrier": str(barrier), "env": env}
            p.stdin.write(json.dumps(job) + "\n")
            p.stdin.flush()
        for p in procs:  # every worker has opened the lake and waits on the barrier
            assert p.stdout.readline().strip() == "ready"
        barrier.touch()
        results = [json.loads(p.stdout.readline()) for p in procs]
        errors = [r["error"] for r in results if "error" in r]
        assert not errors, errors[0]
        return results

    def close(self) -> None:
        for p in self.procs:
            p.stdin.close()
        for p in self.procs:
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def workers(tmp_path_factory) -> Iterator[Workers]:
    pool = Workers(tmp_path_factory.mktemp("workers"), 4)
    try:
        yield pool
    finally:
        pool.close()


def _write_csv(path: Path, start: int, n: int) -> None:
    ids = list(range(start, start + n))
    pacsv.write_csv(pa.table({"id": ids, "name": [f"name-{i}" for i in ids], "score": [i / 7 for i in ids]}), path)


def _data_versions(lake: Lake, table: str) -> list[int]:
    return sorted(h.version for h in lake.history(table) if h.provenance.operation == "ingest")


def _same_file_at_once(workers: Workers, lake: Lake, options: dict[str, str], source: str, n: int, rows: int,
                       table: str) -> None:
    results = workers.run_together(lake, options, [(table, source)] * n)

    winners = [r for r in results if not r["skipped"]]
    assert len(winners) == 1, results
    (win,) = winners
    assert win["rows"] == rows
    assert all(r["rows"] == 0 and r["load_id"] is None for r in results if r["skipped"])
    assert _data_versions(lake, table) == [win["version"]]
    t = lake.read(table)
    assert t.num_rows == rows
    assert len(set(t.column("id").to_pylist())) == rows
    assert set(t.column("_load_id").to_pylist()) == {win["load_id"]}
    assert lake.loads(table).column("load_id").to_pylist() == [win["load_id"]]
    # and once more, sequentially, for good measure
    assert lake.ingest(table, source).skipped


def _different_files_at_once(workers: Workers, lake: Lake, options: dict[str, str], sources: list[str],
                             rows: int, table: str) -> None:
    results = workers.run_together(lake, options, [(table, s) for s in sources])

    assert not any(r["skipped"] for r in results), results
    assert sorted(r["version"] for r in results) == _data_versions(lake, table)
    assert len({r["version"] for r in results}) == len(sources)
    t = lake.read(table)
    assert t.num_rows == rows * len(sources)
    assert sorted(t.column("id").to_pylist()) == list(range(rows * len(sources)))
    by_load = {r["load_id"]: r["files"] for r in results}
    for load_id, count in zip(*pa.table({"l": t.column("_load_id")}).group_by("l").aggregate(
            [("l", "count")]).to_pydict().values(), strict=True):
        assert count == rows and load_id in by_load
    loads = lake.loads(table)
    assert sorted(loads.column("load_id").to_pylist()) == sorted(by_load)


ROWS = 20_000


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("concurrent-sources")
    out = []
    for i in range(4):
        _write_csv(folder / f"part-{i}.csv", i * ROWS, ROWS)
        out.append(folder / f"part-{i}.csv")
    return out


@pytest.mark.parametrize("round_", range(3))
def test_same_file_from_four_processes_into_a_new_table_lands_once(tmp_path, files, workers, round_):
    lake = Lake(tmp_path / "lake")
    _same_file_at_once(workers, lake, {}, str(files[round_]), 4, ROWS, "raw.t")


def test_same_file_from_four_processes_into_an_existing_table_lands_once(tmp_path, files, workers):
    lake = Lake(tmp_path / "lake")
    first = lake.ingest("raw.t", str(files[3]))
    results = workers.run_together(lake, {}, [("raw.t", str(files[0]))] * 4)

    winners = [r for r in results if not r["skipped"]]
    assert len(winners) == 1, results
    assert winners[0]["version"] == 1
    assert _data_versions(lake, "raw.t") == [0, 1]
    t = lake.read("raw.t")
    assert t.num_rows == 2 * ROWS and len(set(t.column("id").to_pylist())) == 2 * ROWS
    assert lake.read("raw.t", version=0).num_rows == ROWS
    assert lake.loads("raw.t").column("load_id").to_pylist() == [first.load_id, winners[0]["load_id"]]


def test_different_files_from_four_processes_all_land(tmp_path, files, workers):
    lake = Lake(tmp_path / "lake")
    _different_files_at_once(workers, lake, {}, [str(f) for f in files], ROWS, "raw.t")


def test_same_file_on_s3_lands_once(tmp_path, s3, files, workers):
    source = s3.url("in/part-0.csv")
    s3.fs().put(str(files[0]), source)
    _same_file_at_once(workers, s3.lake(), s3.options, source, 3, ROWS, "raw.t")


def test_different_files_on_s3_all_land(tmp_path, s3, files, workers):
    sources = []
    for f in files[:3]:
        s3.fs().put(str(f), s3.url(f"in/{f.name}"))
        sources.append(s3.url(f"in/{f.name}"))
    _different_files_at_once(workers, s3.lake(), s3.options, sources, ROWS, "raw.t")
