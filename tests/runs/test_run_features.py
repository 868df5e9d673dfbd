"""``run.features.historical``: the labels and feature tables are recorded reads at pinned
versions, the recipe is kept, and ``lake.reproduce`` builds the same training set however the
tables moved on — or says it cannot."""

from __future__ import annotations

import time
from datetime import datetime

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

import lakekit as lk
from lakekit.errors import UsageError
from lakekit.index import metadata
from lakekit.runs.replay import NotReproducible

H = [datetime(2024, 5, 3, h) for h in range(24)]


def _activity(rows: list[tuple[int, int, int]]) -> pa.Table:
    return pa.table({"user_id": pa.array([r[0] for r in rows], pa.int64()),
                     "at": pa.array([H[r[1]] for r in rows], pa.timestamp("us")),
                     "clicks_7d": pa.array([r[2] for r in rows], pa.int64())})


@pytest.fixture
def lake(tmp_path) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake", feature_views=[
        lk.FeatureView("activity", table="f.activity", entity="user_id", timestamp="at")])
    write_deltalake(lake._storage.uri("f.activity"), _activity([(1, 1, 10), (1, 5, 50), (2, 2, 20), (3, 8, 80)]))
    write_deltalake(lake._storage.uri("l.labels"), pa.table({
        "user_id": pa.array([1, 2, 3, 1], pa.int64()), "labelled_at": pa.array([H[6], H[1], H[9], H[0]],
                                                                               pa.timestamp("us")),
        "is_seeker": [True, False, True, False]}))
    return lake


def _move_on(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.activity")
    write_deltalake(uri, _activity([(1, 4, 40), (2, 0, 5)]), mode="append")  # late arrivals
    (DeltaTable(uri).merge(_activity([(1, 5, 55), (3, 8, 88)]), "t.user_id = s.user_id AND t.at = s.at",
                           source_alias="s", target_alias="t").when_matched_update_all().execute())
    DeltaTable(uri).optimize.compact()
    write_deltalake(lake._storage.uri("l.labels"), pa.table({
        "user_id": pa.array([9], pa.int64()), "labelled_at": pa.array([H[9]], pa.timestamp("us")),
        "is_seeker": [True]}), mode="append")


@pytest.mark.parametrize("known_at", ["event", "commit"])
def test_a_run_reproduces_its_training_set_after_the_tables_moved_on(lake: lk.Lake, known_at: str) -> None:
    labels = "l.labels"
    if known_at == "commit":  # labelled now: version 0 of the features is known, what comes later is not
        time.sleep(0.01)
        labels = "l.now"
        write_deltalake(lake._storage.uri(labels), pa.table({"user_id": pa.array([1, 2, 3, 1], pa.int64()),
                                                            "labelled_at": pa.array([datetime.now()] * 4,
                                                                                    pa.timestamp("us"))}))
    with lake.start_run("job-seeker") as run:
        built = run.features.historical(labels, ["activity:*"], "labelled_at", known_at=known_at)
    assert built.equals(lake.features.historical((labels, 0), "activity:*", "labelled_at", known_at=known_at))
    assert built["clicks_7d"].to_pylist() == ([50, None, 80, None] if known_at == "event" else [50, 20, 80, 50])
    _move_on(lake)
    if known_at == "event":
        now = lake.features.historical(labels, "activity:*", "labelled_at").select(["user_id", "labelled_at",
                                                                                     "clicks_7d"]).to_pylist()
        assert sorted((r["user_id"], r["labelled_at"], r["clicks_7d"]) for r in now) == [
            (1, H[0], None), (1, H[6], 55), (2, H[1], 5), (3, H[9], 88), (9, H[9], None)]
    again = lake.reproduce(run.run_id)
    assert again["historical#1"].equals(built)
    assert set(again) == {labels, "f.activity", "historical#1"}
    info = lake.run(run.run_id)
    assert info.inputs == {labels: 0, "f.activity": 0}
    assert [r.columns for r in info.reads] == [None, ("user_id", "at", "clicks_7d")]
    recorded = metadata.read(lake._storage, "training_sets").to_pylist()
    assert [(r["run_id"], r["seq"], r["rows"]) for r in recorded] == [(run.run_id, 1, 4)]


def test_lineage_and_staleness_see_the_labels_and_features(lake: lk.Lake) -> None:
    with lake.start_run("job-seeker") as run:
        run.features.historical("l.labels", "activity:clicks_7d", "labelled_at")
        run.features.historical(("l.labels", 0), "activity:clicks_7d", "labelled_at", ttl="2h")
    assert run.run_id in lake.lineage.downstream("f.activity.clicks_7d").runs
    assert run.run_id in lake.lineage.downstream("l.labels.is_seeker").runs
    assert list(lake.reproduce(run.run_id))[-2:] == ["historical#1", "historical#2"]
    assert lake.stale_runs() == []
    write_deltalake(lake._storage.uri("f.activity"), _activity([(1, 3, 30)]), mode="append")
    assert {(s.run_id, s.table) for s in lake.stale_runs()} == {(run.run_id, "f.activity")}


def test_vacuum_keeps_what_the_run_pinned(lake: lk.Lake) -> None:
    with lake.start_run("job-seeker") as run:
        built = run.features.historical("l.labels", "activity:*", "labelled_at")
    _move_on(lake)
    lake.vacuum(retention_hours=0)
    assert lake.reproduce(run.run_id)["historical#1"].equals(built)


def test_commit_mode_after_its_rewritten_files_are_gone_is_not_reproducible(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.activity")
    write_deltalake(uri, _activity([(1, 3, 30)]), mode="append")
    time.sleep(0.02)
    labelled = datetime.now()  # after versions 0 and 1, before the compaction
    time.sleep(0.02)
    DeltaTable(uri).optimize.compact()
    with lake.start_run("job-seeker") as run:
        run.write("l.now", pa.table({"user_id": pa.array([1], pa.int64()),
                                     "labelled_at": pa.array([labelled], pa.timestamp("us"))}))
        built = run.features.historical("l.now", "activity:*", "labelled_at", known_at="commit")
    assert built["clicks_7d"].to_pylist() == [50]  # known since version 0, compacted since
    DeltaTable(uri).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    with pytest.raises(NotReproducible, match="historical#1': the rows built again differ"):
        lake.reproduce(run.run_id)


def test_labels_in_a_run_must_be_a_lake_table(lake: lk.Lake) -> None:
    with lake.start_run("job-seeker") as run, pytest.raises(UsageError, match="inside a run, labels are a lake table"):
        run.features.historical(pa.table({"user_id": [1]}), "activity:*", "labelled_at")  # type: ignore[arg-type]
