"""Model runs on real Delta tables: recording, reproduction after every kind of change, failed
runs, runs that write, staleness, error slices, compare, vacuum of pinned versions."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from lakekit import Lake
from lakekit.errors import NotReproducible, RunNotFound, VersionNotFound
from lakekit.index import journal, metadata
from lakekit.runs.record import Run
from lakekit.write import indexes

ITEMS = "raw.items"


def _items(n: int = 20, start: int = 0) -> pa.Table:
    ids = list(range(start, start + n))
    return pa.table({"id": ids, "region": [["eu-north", "eu-south", "us"][i % 3] for i in ids],
                     "v": [float(i) for i in ids]})


@pytest.fixture
def items(lake: Lake) -> Lake:
    write_deltalake(lake._storage.uri(ITEMS), _items())
    return lake


def _record(lake: Lake) -> tuple[str, dict[str, pa.Table]]:
    with lake.start_run("train", params={"lr": 0.1}) as run:
        got = {
            "full": run.read(ITEMS),
            "sql": run.read(ITEMS, columns=["v", "id"], filter="region <> 'us' AND id > 3"),
            "expr": run.read(ITEMS, filter=pc.field("v") >= 10.0),
        }
        run.log_metrics({"auc": 0.9})
    return run.run_id, got


def _change(lake: Lake, kind: str) -> None:
    uri = lake._storage.uri(ITEMS)
    if kind == "append":
        write_deltalake(uri, _items(5, 100), mode="append", schema_mode="merge")
    elif kind == "overwrite":
        write_deltalake(uri, _items(3, 500), mode="overwrite")
    elif kind == "merge":
        (DeltaTable(uri).merge(_items(10, 15), "t.id = s.id", source_alias="s", target_alias="t")
         .when_matched_update_all().when_not_matched_insert_all().execute())
    elif kind == "delete":
        DeltaTable(uri).delete("id < 8")
    elif kind == "evolve":
        extra = _items(4, 200).append_column("note", pa.array(["x"] * 4))
        write_deltalake(uri, extra, mode="append", schema_mode="merge")
    elif kind == "checkpoint":
        write_deltalake(uri, _items(2, 300), mode="append")
        DeltaTable(uri).create_checkpoint()


@pytest.mark.parametrize("kind", ["append", "overwrite", "merge", "delete", "evolve", "checkpoint"])
def test_reproduce_after_each_kind_of_change(items: Lake, kind: str) -> None:
    run_id, got = _record(items)
    _change(items, kind)
    _change(items, "append")
    again = items.reproduce(run_id)
    assert list(again) == [ITEMS, f"{ITEMS}#2", f"{ITEMS}#3"]
    for want, have in zip(got.values(), again.values(), strict=True):
        assert have.equals(want)
        assert have.column_names == want.column_names
    info = items.run(run_id)
    assert info.status == "finished" and info.inputs == {ITEMS: 0}
    assert [r.columns for r in info.reads] == [None, ("v", "id"), None]
    assert info.reads[1].filter == {"sql": "region <> 'us' AND id > 3"}
    assert info.params == {"lr": 0.1} and info.metrics == {"auc": 0.9}
    assert info.environment["python"] and "pyarrow" in info.environment["packages"]


def test_reproduce_refuses_rows_that_differ(items: Lake) -> None:
    run_id, _ = _record(items)
    bad = {**metadata.read(items._storage, "run_inputs").to_pylist()[0], "fingerprint": "xxh3_128:" + "0" * 32}
    indexes.append(items._storage, "run_inputs", metadata.rows("run_inputs", [bad]))
    with pytest.raises(NotReproducible, match=f"'{ITEMS}'"):
        items.reproduce(run_id)


def test_failed_run_keeps_the_exception_type_not_its_message(items: Lake) -> None:
    with pytest.raises(ValueError, match="alice"), items.start_run("boom") as run:
        run.read(ITEMS)
        raise ValueError("alice@example.com is broken")
    info = items.run(run.run_id)
    assert (info.status, info.error, info.inputs) == ("failed", "ValueError", {ITEMS: 0})
    assert info.ended_at is not None
    stored = json.dumps(metadata.read(items._storage, "runs").to_pylist(), default=str)
    assert "alice" not in stored
    with pytest.raises(RunNotFound):
        items.run("no-such-run")


def test_run_ids_order_runs_and_a_killed_run_stays_running(items: Lake) -> None:
    first = items.start_run("a")  # never ended: as if the process died
    with items.start_run("b") as second:
        pass
    table = items.runs()
    assert table.column("run_id").to_pylist() == sorted([first.run_id, second.run_id], reverse=True)  # newest first
    assert dict(zip(table.column("name").to_pylist(), table.column("status").to_pylist(), strict=True)) == {
        "a": "running", "b": "finished"}
    assert items.runs("b").num_rows == 1


def test_a_run_that_writes_names_itself_in_the_version_and_writes_once(items: Lake, tmp_path) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    with items.start_run("despam") as run:
        data = run.read(ITEMS, filter="region <> 'us'")
        artifact = run.log_artifact(model)
        version = run.write("clean.items", data)
    prov = items.history("clean.items")[0].provenance
    assert prov.operation == "run" and prov.run_id == run.run_id and prov.run_name == "despam"
    assert prov.inputs == {ITEMS: 0} and prov.artifacts == {artifact.path: artifact.sha256}
    fs, base = items._storage.files()
    assert fs.cat_file(f"{base}/{artifact.path}") == b"weights"
    assert next(d for d in items_deps(items) if d.run_id == run.run_id).outputs == {"clean.items": version}
    assert items.run(run.run_id).outputs == {"clean.items": version}
    # the same run's write retried (e.g. the process restarted) commits nothing new
    retry = Run(items._storage, run.run_id, "despam", attached=True)
    assert retry.write("clean.items", data) == version
    assert DeltaTable(items._storage.uri("clean.items")).version() == version
    assert items.read("clean.items").num_rows == data.num_rows
    assert metadata.read(items._storage, "run_outputs").num_rows == 1


def items_deps(lake: Lake):
    from lakekit.runs.recorded import run_dependencies

    return run_dependencies(lake._storage)


def test_stale_runs_follow_the_path_to_the_change(items: Lake) -> None:
    with items.start_run("despam") as a:
        a.write("clean.items", a.read(ITEMS, filter="id % 2 = 0"), mode="overwrite")
    with items.start_run("train") as b:
        b.read("clean.items")
    assert items.stale_runs() == []
    write_deltalake(items._storage.uri(ITEMS), _items(3, 100), mode="append")  # the upstream fix
    stale = {s.run_id: s for s in items.stale_runs()}
    assert set(stale) == {a.run_id}
    with items.start_run("despam") as a2:  # the model applied again on the new version
        a2.write("clean.items", a2.read(ITEMS, filter="id % 2 = 0"), mode="overwrite")
    stale = {(s.run_id, s.table): s for s in items.stale_runs()}
    s = stale[(b.run_id, "clean.items")]
    assert (s.version_read, s.newest_version, s.name) == (0, 1, "train")
    assert (s.produced_by.operation, s.produced_by.by) == ("run", a2.run_id)
    assert [(p.table, p.version) for p in s.path] == [("clean.items", 1), (ITEMS, 1)]


def test_error_slices_rank_a_planted_slice_first(lake: Lake) -> None:
    n = 600
    regions = [["eu-north", "eu-south", "us", "apac"][i % 4] for i in range(n)]
    label = [i % 2 == 0 for i in range(n)]
    wrong = [(r == "eu-north" and i % 10 < 7) or (r != "eu-north" and i % 10 == 0) for i, r in enumerate(regions)]
    write_deltalake(lake._storage.uri("features.users"),
                    pa.table({"user_id": list(range(n)), "region": regions, "is_seeker": label}))
    with lake.start_run("job-seeker") as run:
        users = run.read("features.users", columns=["user_id"])
        preds = [lab != w for lab, w in zip(label, wrong, strict=True)]
        run.log_predictions(pa.table({"user_id": users.column("user_id"), "pred": preds}), keys=["user_id"])
    slices = lake.error_slices(run.run_id, by=["region"], label="is_seeker", prediction="pred", min_rows=10)
    top = slices.to_pylist()[0]
    assert top["region"] == "eu-north" and top["rows"] == 150
    assert top["errors"] == sum(w for w, r in zip(wrong, regions, strict=True) if r == "eu-north")
    assert slices.column_names == ["region", "rows", "errors", "error_rate"]
    by_count = lake.error_slices(run.run_id, by=["region"], label="is_seeker", prediction="pred", rank="errors")
    assert by_count.column("region")[0].as_py() == "eu-north"


def test_compare_runs_keyed_and_unkeyed(items: Lake) -> None:
    with items.start_run("m", params={"depth": 3}) as a:
        a.read(ITEMS)
        a.log_metrics({"auc": 0.8})
    uri = items._storage.uri(ITEMS)
    (DeltaTable(uri).merge(pa.table({"id": [1, 50], "region": ["us", "us"], "v": [99.0, 50.0]}), "t.id = s.id",
                           source_alias="s", target_alias="t").when_matched_update_all()
     .when_not_matched_insert_all().execute())
    DeltaTable(uri).delete("id = 2")
    with items.start_run("m", params={"depth": 4}) as b:
        b.read(ITEMS)
        b.log_metrics({"auc": 0.85})
    keyed = items.compare_runs(a.run_id, b.run_id, keys={ITEMS: ["id"]})
    (change,) = keyed.inputs
    assert (change.version_a, change.version_b) == (0, 2)
    assert change.rows is not None and (change.rows.added, change.rows.removed, change.rows.changed) == (1, 1, 1)
    assert keyed.params == {"depth": (3, 4)} and keyed.metrics == {"auc": (0.8, 0.85)}
    unkeyed = items.compare_runs(a.run_id, b.run_id).inputs[0].rows
    assert unkeyed is not None and (unkeyed.added, unkeyed.removed, unkeyed.changed) == (2, 2, 0)
    assert json.dumps(keyed.asdict())


def test_vacuum_keeps_pinned_versions_and_removes_the_rest(items: Lake) -> None:
    run_id, got = _record(items)  # pins version 0
    uri = items._storage.uri(ITEMS)
    write_deltalake(uri, _items(4, 100), mode="overwrite")  # version 1: nobody reads it
    write_deltalake(uri, _items(5, 200), mode="overwrite")  # version 2: current
    orphan = Path(uri) / "part-from-a-killed-write.parquet"  # data written, never committed
    pq.write_table(_items(1, 900), orphan)
    dry = items.vacuum(retention_hours=0, dry_run=True)
    (report,) = items.vacuum(ITEMS, retention_hours=0).tables
    assert report.removed == dry.tables[0].removed and len(report.removed) == 2
    assert not orphan.exists()
    assert report.kept_versions == (0,) and report.kept_for == {0: (run_id,)}
    assert items.reproduce(run_id)[ITEMS].equals(got["full"])
    assert items.read(ITEMS).num_rows == 5
    with pytest.raises(VersionNotFound, match="removed by a vacuum"):
        items.read(ITEMS, version=1)


def _fold_journals(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fold the runs' journal entries into their index tables now (not GRACE seconds from now)."""
    monkeypatch.setattr(journal, "GRACE", timedelta(0))
    for name in journal.NAMES:
        indexes.fold(lake._storage, name)


def test_index_tables_keep_statistics_of_their_lookup_column_only(items: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id, _ = _record(items)
    _fold_journals(items, monkeypatch)
    for name in ("runs", "run_inputs"):
        actions = items._storage.open(f"_lakekit.{name}").get_add_actions(flatten=True)
        stats = {c.split(".", 1)[1] for c in actions.column_names if c.startswith(("min.", "max."))}
        assert stats == {metadata.LOOKUP_COLUMNS[name]}
    assert items.run(run_id).inputs == {ITEMS: 0}


def test_a_kept_index_handle_notices_its_table_was_deleted(items: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    _record(items)
    _fold_journals(items, monkeypatch)
    assert items.runs().num_rows == 1
    shutil.rmtree(Path(items._storage.root) / "_lakekit" / "runs")
    assert items.runs().num_rows == 0
    second, _ = _record(items)
    _fold_journals(items, monkeypatch)
    assert items.runs().column("run_id").to_pylist() == [second]
    assert items._storage.open("_lakekit.runs").version() == 1  # created by the fold, its format recorded


def test_rows_a_run_write_quarantines_are_shown_with_their_write(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake", schemas=str(Path(__file__).parent / "run_schemas"))
    with lake.start_run("score") as run:
        run.write("scored.items", pa.table({"score": [0.5, -1.0]}))
        run.write("scored.items", pa.table({"score": [-2.0, 0.7]}))
    quarantined = lake.quarantine("scored.items")
    assert sorted(quarantined.column("score").to_pylist()) == [-2.0, -1.0]
    assert sorted(set(quarantined.column("_load_id").to_pylist())) == [f"run:{run.run_id}:1", f"run:{run.run_id}:2"]
    assert [e.provenance.by for e in lake.history("scored.items")] == [run.run_id, run.run_id]
