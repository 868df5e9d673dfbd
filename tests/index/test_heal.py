"""Healing indexes from commits: a commit whose index rows were lost (a crash between the two) gets
them back, once, from the healers' table; the table is data, so another index is one more entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

import lakekit as lk
from lakekit.index import metadata
from lakekit.index.heal import Healer, Lost, heal
from lakekit.maintenance.repair import HEALERS
from lakekit.storage.delta import Commit, Storage
from lakekit.write import ingest


def _crashed_load(storage: Storage, table: str, load_id: str, base: object = None) -> None:
    """A load's data commit, as a load killed before its index row leaves it."""
    made = lk.LoadProvenance(load_id=load_id, job="nightly", mode="append",
                             files=(lk.SourceFile(f"{load_id}.csv", 3, f"sha256:{load_id}"),))
    current = storage.open(table) if storage.exists(table) else None
    storage.write(table, pa.table({"a": [1]}), mode="append", commit=made.commit({}), base=current)


def test_lost_rows_come_back_once(lake: lk.Lake) -> None:
    storage = lake._storage
    _crashed_load(storage, "raw.a", "l1")
    _crashed_load(storage, "raw.a", "l2")
    _crashed_load(storage, "raw.b", "l3")
    assert heal(storage, HEALERS) == {"loads": 3, "transforms": 0, "run_outputs": 0}
    assert heal(storage, HEALERS) == {"loads": 0, "transforms": 0, "run_outputs": 0}
    rows = {r["load_id"]: r for r in metadata.read(storage, "loads").to_pylist()}
    assert sorted(rows) == ["l1", "l2", "l3"]
    assert (rows["l2"]["table"], rows["l2"]["version"], rows["l2"]["job"]) == ("raw.a", 1, "nightly")


def test_reading_loads_heals_that_table_only(lake: lk.Lake) -> None:
    _crashed_load(lake._storage, "raw.a", "l1")
    _crashed_load(lake._storage, "raw.b", "l2")
    assert [r["load_id"] for r in lake.loads("raw.a").to_pylist()] == ["l1"]
    assert metadata.read(lake._storage, "loads").column("load_id").to_pylist() == ["l1"]


def test_healers_are_entries_of_a_table(lake: lk.Lake, tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []

    def restore(storage: Storage, lost: Sequence[Lost[lk.LoadProvenance]]) -> None:
        seen.extend((x.table, x.entry.version) for x in lost)

    watcher = Healer("loads", "load_id", lk.LoadProvenance, lambda table, made: made.load_id, restore)
    _crashed_load(lake._storage, "raw.a", "l1")
    (tmp_path / "b.csv").write_text("a\n2\n")
    lake.ingest("raw.a", str(tmp_path / "b.csv"))  # indexed as it commits: not lost
    assert heal(lake._storage, (watcher,)) == {"loads": 1}
    assert seen == [("raw.a", 0)]  # what it restores is its own business: here, nothing
    assert metadata.read(lake._storage, "loads").column("load_id").to_pylist() != ["l1"]
    assert ingest.LOADS in HEALERS and len({h.index for h in HEALERS}) == len(HEALERS)  # one entry per index


def test_a_heal_reads_again_a_table_whose_log_moved_or_whose_rows_went(lake: lk.Lake) -> None:
    storage = lake._storage
    _crashed_load(storage, "raw.a", "l1")
    _crashed_load(storage, "raw.b", "l2")
    assert heal(storage, HEALERS)["loads"] == 2
    assert heal(storage, HEALERS)["loads"] == 0  # both logs unmoved: skipped
    _crashed_load(storage, "raw.a", "l3")  # a crash after that heal: raw.a's log moved
    assert heal(storage, HEALERS)["loads"] == 1
    loads = "_lakekit.loads"
    kept = storage.read(loads).filter(pc.field("load_id") != "l2")
    storage.write(loads, kept, mode="overwrite", commit=Commit(), base=storage.open(loads))
    assert heal(storage, HEALERS)["loads"] == 1  # l2's row gone with raw.b's log unmoved: read again, found lost
