"""``lake.repair``: index rows lost to a crash between a commit and its row are written again from
the tables' commits; lost validation verdicts are listed. The crash is simulated by deleting
the index tables after real loads, a transform and a run that writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from lakekit import Lake
from lakekit.cli import app
from lakekit.index import metadata

INDEXES = ("loads", "transforms", "lineage", "run_outputs", "validations")


def test_repair_writes_lost_index_rows_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models")
    for n in range(2):
        (tmp_path / f"o{n}.csv").write_text(f"order_id,user_id,amount\n{n},1,{n}.5\n{n + 10},2,1.0\n")
        lake.ingest("crm.orders", str(tmp_path / f"o{n}.csv"))
    lake.transform("mart.spend", "SELECT user_id, SUM(amount) AS spend FROM crm.orders GROUP BY user_id",
                   dialect="duckdb")
    with lake.start_run("scorer") as run:
        spend = run.read("mart.spend")
        run.write("mart.scored", pa.table({"user_id": spend.column("user_id"), "score": [0.5] * spend.num_rows}))
    before = {name: metadata.read(lake._storage, name).num_rows for name in INDEXES}
    for name in INDEXES:
        shutil.rmtree(Path(lake._storage.root) / "_lakekit" / name)

    report = lake.repair()
    assert (report.loads, report.transforms, report.run_outputs) == (2, 1, 1)
    assert report.unrecorded_verdicts == ("crm.orders@1", "crm.orders@0")
    after = {name: metadata.read(lake._storage, name).num_rows for name in INDEXES}
    assert after == {**before, "validations": 0}
    assert run.run_id in lake.lineage.downstream("crm.orders.amount").runs
    assert "mart.scored" in lake.lineage.downstream("crm.orders.amount").tables

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lakekit.toml").write_text('lake = "lake"\nschema_package = "tests.gdpr.gdpr_models"\n')
    result = CliRunner().invoke(app, ["repair", "--json"])
    assert result.exit_code == 0
    again = json.loads(result.stdout)
    assert (again["loads"], again["transforms"], again["run_outputs"]) == (0, 0, 0)
