"""Runs across processes: two at once, a command run by the CLI, kill -9 in the middle of run.write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from typer.testing import CliRunner

from lakekit import Lake
from lakekit.cli import app
from lakekit.index import metadata
from lakekit.runs.record import RUN_ID_ENV

ROOT = Path(__file__).resolve().parents[2]

RUNNER = r"""
import sys
from lakekit import Lake
lake = Lake(sys.argv[1])
for i in range(int(sys.argv[2])):
    with lake.start_run(sys.argv[3], params={"i": i}) as run:
        run.read("raw.items")
        run.log_metrics({"i": i})
"""

WRITER = r"""
import os, signal, sys
import pyarrow as pa
import lakekit.write.indexes, lakekit.storage.delta
from lakekit import Lake

point = sys.argv[2]
if point == "stream":  # die after the first batch reached delta-rs, before any commit
    real = lakekit.storage.delta.write_deltalake
    def dying(target, data, **kwargs):
        def batches():
            for i, batch in enumerate(data):
                if i == 1:
                    os.kill(os.getpid(), signal.SIGKILL)
                yield batch
        return real(target, pa.RecordBatchReader.from_batches(data.schema, batches()), **kwargs)
    lakekit.storage.delta.write_deltalake = dying
elif point == "index":  # die right after the data commit, before its run_outputs row
    append = lakekit.write.indexes.append
    def dying_append(storage, name, table, **kwargs):
        if name == "run_outputs":
            os.kill(os.getpid(), signal.SIGKILL)
        return append(storage, name, table, **kwargs)
    lakekit.write.indexes.append = dying_append

lake = Lake(sys.argv[1])
with lake.start_run("despam") as run:
    rows = run.read("raw.items")
    batches = pa.Table.from_batches(rows.to_batches(max_chunksize=10))
    print(run.write("clean.items", batches), flush=True)
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


@pytest.fixture
def items(lake: Lake) -> Lake:
    write_deltalake(lake._storage.uri("raw.items"), pa.table({"id": list(range(40)), "v": [1.0] * 40}))
    return lake


def test_two_processes_running_runs_at_once_both_land(items: Lake) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", RUNNER, items._storage.root, "6", f"p{k}"], env=_env())
             for k in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    runs = items.runs().to_pylist()
    assert sorted(r["name"] for r in runs) == ["p0"] * 6 + ["p1"] * 6
    assert {r["status"] for r in runs} == {"finished"}
    assert metadata.read(items._storage, "run_inputs").num_rows == 12


def test_cli_run_records_the_command_and_the_childs_reads(items: Lake, tmp_path: Path) -> None:
    child = ("import sys; from lakekit import Lake; lake = Lake(sys.argv[1]);\n"
             "with lake.start_run('ignored-name', params={'epochs': 3}) as run: run.read('raw.items', columns=['id'])")
    cli = CliRunner()
    result = cli.invoke(app, ["run", "--lake", items._storage.root, "--json", "train", "--",
                              sys.executable, "-c", child, items._storage.root])
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.output)["run_id"]
    info = items.run(run_id)
    assert (info.name, info.status, info.inputs, info.params) == ("train", "finished", {"raw.items": 0}, {"epochs": 3})
    assert info.command is not None and info.command["argv"][:2] == [sys.executable, "-c"]
    assert items.runs().num_rows == 1  # the child attached, it did not start a run of its own
    shown = cli.invoke(app, ["runs", "show", run_id, "--lake", items._storage.root, "--json"])
    assert json.loads(shown.output)["reads"][0]["columns"] == ["id"]
    again = cli.invoke(app, ["runs", "reproduce", run_id, "--lake", items._storage.root, "--json"])
    assert json.loads(again.output) == [{"input": "raw.items", "rows": 40, "columns": 1, "verified": True,
                                          "rows_erased": 0, "erased_by": []}]
    failed = cli.invoke(app, ["run", "--lake", items._storage.root, "bad", "--", sys.executable, "-c", "exit(3)"])
    assert failed.exit_code == 1
    bad = next(r for r in items.runs().to_pylist() if r["name"] == "bad")
    assert (bad["status"], bad["error"]) == ("failed", "exit status 3")
    listed = cli.invoke(app, ["runs", "list", "--lake", items._storage.root, "--json"])
    assert len(json.loads(listed.output)) == 2
    vac = cli.invoke(app, ["vacuum", "--lake", items._storage.root, "--dry-run", "--json", "--retention-hours", "0"])
    assert json.loads(vac.output)["tables"][0]["kept_versions"] == [0]


def test_rerun_executes_the_recorded_command_of_a_stale_run(items: Lake) -> None:
    child = ("import sys; from lakekit import Lake; lake = Lake(sys.argv[1]);\n"
             "with lake.start_run('x') as run: run.write('clean.items', run.read('raw.items'), mode='overwrite')")
    first = items.run_command("despam", [sys.executable, "-c", child, items._storage.root])
    assert first.exit_code == 0 and items.rerun_runs() == []
    write_deltalake(items._storage.uri("raw.items"), pa.table({"id": [99], "v": [2.0]}), mode="append")
    (again,) = items.rerun_runs()
    assert (again.rerun_of, again.status) == (first.run_id, "finished")
    assert again.run_id is not None and items.run(again.run_id).outputs == {"clean.items": 1}
    assert items.read("clean.items").num_rows == 41


@pytest.mark.parametrize("point", ["stream", "index"])
def test_kill_9_in_the_middle_of_run_write_then_the_write_lands_once(items: Lake, point: str) -> None:
    write_deltalake(items._storage.uri("clean.items"), pa.table({"id": [-1], "v": [0.0]}))
    with items.start_run("despam", tags={"owner": "test"}) as parent:
        env = _env(**{RUN_ID_ENV: parent.run_id})
        killed = subprocess.run([sys.executable, "-c", WRITER, items._storage.root, point], env=env,
                                capture_output=True, timeout=120)
        assert killed.returncode == -9
        after_kill = DeltaTable(items._storage.uri("clean.items"))
        assert after_kill.version() == (0 if point == "stream" else 1)
        assert items.read("clean.items").num_rows in (1, 41)
        for _ in range(2):  # the re-run, then once more: the write lands exactly once
            done = subprocess.run([sys.executable, "-c", WRITER, items._storage.root, "none"], env=env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            assert done.stdout.strip() == "1"
    assert DeltaTable(items._storage.uri("clean.items")).version() == 1
    assert items.read("clean.items").num_rows == 41
    assert items.run(parent.run_id).outputs == {"clean.items": 1}
    assert metadata.read(items._storage, "run_outputs").num_rows == 1
