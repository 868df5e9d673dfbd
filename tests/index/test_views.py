"""Views that fold lakekit's event logs, read by SQL: one row per run and per GDPR request, on a
real lake with real runs and a real erasure."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake
from typer.testing import CliRunner

from lakekit import Lake
from lakekit.cli import app
from lakekit.errors import UsageError
from lakekit.index import journal, metadata, views
from lakekit.write import indexes

ALICE = "alice@example.com"


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """Three runs of two names, each with params, metrics logged twice and an end."""
    lake = Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models")
    write_deltalake(lake._storage.uri("raw.items"), pa.table({"id": [1, 2]}))
    for name, auc in [("train", 0.7), ("train", 0.8), ("score", 0.9)]:
        with lake.start_run(name, params={"lr": 0.1}) as run:
            run.read("raw.items")
            run.log_metrics({"auc": auc - 0.1})
            run.log_metrics({"auc": auc, "loss": 1.0})
    return lake


def test_runs_is_one_row_per_run_so_a_group_by_counts_runs(lake: Lake) -> None:
    log = metadata.read(lake._storage, "runs").num_rows
    assert log > 3  # the stored log has a row per change: counting it counts changes
    assert lake.sql("SELECT count(*) AS n FROM _lakekit.run_events").column("n").to_pylist() == [log]
    counted = lake.sql("SELECT name, count(*) AS runs, avg(CAST(json_extract(metrics, '$.auc') AS DOUBLE)) AS auc "
                       "FROM _lakekit.runs GROUP BY name ORDER BY name")
    assert counted.to_pylist() == [{"name": "score", "runs": 1, "auc": 0.9},
                                   {"name": "train", "runs": 2, "auc": pytest.approx(0.75)}]
    folded = lake.sql("SELECT run_id, status, params, metrics, started_at, ended_at FROM _lakekit.runs").to_pylist()
    for row in folded:
        info = lake.run(row["run_id"])
        assert (row["status"], row["started_at"], row["ended_at"]) == (info.status, info.started_at, info.ended_at)
        assert (row["params"], row["metrics"]) == ('{"lr": 0.1}', f'{{"auc": {info.metrics["auc"]}, "loss": 1.0}}')


def test_requests_is_one_row_per_gdpr_request(lake: Lake, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(f"user_id,email,name,ip,country\n1,{ALICE},Alice,10.0.0.1,SE\n"
                                    "2,bob@example.com,Bob,10.0.0.2,SE\n")
    lake.ingest("crm.people", str(tmp_path / "p.csv"))
    lake.gdpr.find(email=ALICE)
    lake.gdpr.erase(email=ALICE, reason="request 17")
    steps = metadata.read(lake._storage, "audit").to_pylist()
    requests = lake.sql("SELECT * FROM _lakekit.requests ORDER BY started_at").to_pylist()
    assert len(steps) == 3 and [(r["action"], r["status"]) for r in requests] == [("find", "finished"),
                                                                                 ("erase", "finished")]
    erase = requests[1]
    assert erase["started_at"] < erase["ended_at"] and erase["reason"] == "request 17"
    assert ALICE not in str(requests) and erase["subject"] == steps[-1]["subject"]


def test_a_view_has_no_versions_and_a_transform_refuses_it(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match=r"'_lakekit\.runs' is a view of lakekit's records"):
        lake.sql("SELECT * FROM _lakekit.runs VERSION AS OF 0", dialect="spark")
    monkeypatch.setattr(journal, "GRACE", timedelta(0))
    indexes.fold(lake._storage, "runs")  # the log stored as a table too: the name is still the view
    assert lake._storage.exists("_lakekit.runs")
    for view in ("runs", "run_events", "requests"):
        with pytest.raises(UsageError, match=f"'_lakekit.{view}' is a view .*: a transform, .* cannot read it"):
            lake.transform("stats.runs", f"SELECT count(*) AS n FROM _lakekit.{view}", dialect="duckdb")
    assert "stats.runs" not in lake.tables()


def test_a_view_reads_as_a_table_through_the_api_and_the_cli(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = lake.read("_lakekit.runs")
    assert runs.num_rows == 3 and runs.to_pylist() == lake.sql("SELECT * FROM _lakekit.runs").to_pylist()
    trains = lake.read("_lakekit.runs", columns=["name", "status"], filter="name = 'train'")
    assert trains.to_pylist() == [{"name": "train", "status": "finished"}] * 2
    assert lake.read("_lakekit.run_events").num_rows == metadata.read(lake._storage, "runs").num_rows
    assert lake.read("_lakekit.requests").num_rows == 0
    with pytest.raises(UsageError, match="it has no versions"):
        lake.read("_lakekit.runs", version=0)
    monkeypatch.chdir(Path(lake.root).parent)
    shown = CliRunner().invoke(app, ["show", "_lakekit.runs", "--json", "--lake", lake.root])
    assert shown.exit_code == 0 and sorted(r["run_id"] for r in json.loads(shown.stdout)) == sorted(
        runs.column("run_id").to_pylist())
    refused = CliRunner().invoke(app, ["show", "_lakekit.runs", "--version", "1", "--lake", lake.root])
    assert refused.exit_code == 1 and "it has no versions" in refused.stderr


def test_docs_name_every_table_view_and_column() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "metadata.md").read_text(encoding="utf-8")
    for name, schema in metadata.SCHEMAS.items():
        section = doc.split(f"### `_lakekit.{name}`", 1)[1].split("\n### ", 1)[0]
        assert all(f"`{column}`" in section for column in schema.names), name
    assert all(f"`{view}`" in doc for view in views.VIEWS)
    assert all(f"`{column}`" in doc for column in views.REQUESTS.names)
