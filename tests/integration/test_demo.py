"""The running example end to end on a small generated dataset: the story must hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lakekit as lk
from examples import demo
from lakekit.index import metadata


def test_demo_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(demo.__file__).parent.parent)
    root = tmp_path / "lake"
    demo.main(["--lake", str(root), "--data", str(tmp_path / "data"), "--users", "800"])
    lake = lk.Lake(root)
    assert {"raw.users", "clean.users", "clean.persons", "features.persons"} <= set(lake.tables())
    erasures = [r for r in lake.gdpr.audit().to_pylist() if r["action"] == "erase" and r["status"] == "finished"]
    assert len(erasures) == 1
    erased = json.loads(erasures[0]["details"])
    assert erased["verified"] and erased["tables"]["raw.users"]["rows_removed"] == 1
    from_quarantine = erased["tables"].get("_lakekit.quarantine__raw__users", {}).get("rows_removed", 0)
    assert lake.quarantine("raw.users").num_rows == 5 - from_quarantine
    jobs = lake.runs("job-seeker", sort="started_at").to_pylist()  # oldest first
    assert len(jobs) == 3 and all(r["status"] == "finished" for r in jobs)  # trained, after the fix, after the erasure
    first, second = lake.run(jobs[0]["run_id"]), lake.run(jobs[1]["run_id"])
    assert second.inputs["features.persons"] > first.inputs["features.persons"]
    users = lake.history("clean.users")
    assert [h.provenance.operation for h in users][:4] == ["run", "erase", "run", "run"]
    written = {r["version"]: r["rows"] for r in metadata.read(lake._storage, "run_outputs").to_pylist()
               if r["table"] == "clean.users"}
    assert written[1] > written[0]  # the rerun after the blacklist fix restored the campus users
    assert [r["name"] for r in lake.runs().to_pylist()].count("id-merge") == 3
    assert lake.stale_runs() == []
    latest = lake.reproduce(jobs[-1]["run_id"])  # the training set after the erasure, point in time
    built, pinned = latest["historical#1"], latest["features.activity_7d"]
    assert built.num_rows == latest["labels.job_seeker"].num_rows and built.column("applied_jobs_7d").null_count
    assert lake.run(jobs[-1]["run_id"]).inputs.keys() >= {"labels.job_seeker", "features.activity_7d"}
    assert pinned.column_names == ["user_id", "event_at", "applied_jobs_7d"]  # only what the view gave
    leaked = lake.sql(demo.LATEST_VALUES, dialect="duckdb").column("leaked")
    assert 0 < sum(bool(x) for x in leaked.to_pylist()) < len(leaked)  # a plain join leaks into some labels
