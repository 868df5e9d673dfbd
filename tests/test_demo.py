"""The running example end to end on a small generated dataset: the story must hold."""

from __future__ import annotations

from pathlib import Path

import pytest

import lakekit as lk
from examples import demo


def test_demo_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(demo.__file__).parent.parent)
    root = tmp_path / "lake"
    demo.main(["--lake", str(root), "--data", str(tmp_path / "data"), "--users", "800"])
    lake = lk.Lake(root)
    assert {"raw.users", "clean.users", "clean.persons", "features.persons"} <= set(lake.tables())
    assert lake.quarantine("raw.users").num_rows == 5
    jobs = lake.runs("job-seeker").to_pylist()
    assert len(jobs) == 2 and all(r["status"] == "finished" for r in jobs)
    first, second = lake.run(jobs[0]["run_id"]), lake.run(jobs[1]["run_id"])
    assert second.inputs["features.persons"] > first.inputs["features.persons"]
    users = lake.history("clean.users")
    assert [h.provenance.get("operation") for h in users][:2] == ["run", "run"]
    restored = lake.read("clean.users").num_rows - lake.read("clean.users", version=0).num_rows
    assert restored > 0
    assert lake.stale_runs() == []
