"""Tests of :func:`lakekit.storage.log.repacked` on real Delta tables: the files a search of lakekit's own
tables may set aside hold no row the others do not."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakekit.storage import files, log
from lakekit.storage.delta import Storage

TABLE = "t.index"


def _ids(root: Path, paths: set[str]) -> set[int]:
    return {i for p in paths for i in pq.read_table(root / "t" / "index" / p).column("id").to_pylist()}


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["append", "compact", "checkpoint", "delete"]), min_size=1, max_size=9))
def test_the_files_set_aside_hold_only_rows_the_others_hold(tmp_path_factory: object, steps: list[str]) -> None:
    root = tmp_path_factory.mktemp("lake")  # type: ignore[attr-defined]
    storage = Storage(str(root))
    uri = storage.uri(TABLE)
    write_deltalake(uri, pa.table({"id": [0]}))
    deleted = False
    for n, step in enumerate(steps, start=1):
        table = DeltaTable(uri)
        if step == "append":
            write_deltalake(uri, pa.table({"id": [n]}), mode="append")
        elif step == "compact":
            table.optimize.compact()
        elif step == "checkpoint":
            table.create_checkpoint()
        elif ids := sorted(table.to_pyarrow_table().column("id").to_pylist()):
            table.delete(f"id = {ids[-1]}")
            deleted = True
    latest = DeltaTable(uri)
    on_disk = set(files.parquet_files(storage, "t/index"))
    live = {a["path"] for a in pa.table(latest.get_add_actions(flatten=False)).to_pylist()}
    aside = log.repacked(storage, TABLE, latest.version())
    assert not aside & live
    assert _ids(root, on_disk) - _ids(root, on_disk - aside) == set()
    if not deleted:
        assert aside == on_disk - live  # only compactions removed files: every one of them is set aside
    else:
        assert aside == frozenset()  # a remove that changed data: nothing is


def test_nothing_is_set_aside_when_a_commit_the_checkpoint_does_not_cover_is_gone(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path))
    uri = storage.uri(TABLE)
    for i in range(3):
        write_deltalake(uri, pa.table({"id": [i]}), mode="append")
    DeltaTable(uri).optimize.compact()
    assert len(log.repacked(storage, TABLE, 3)) == 3
    (tmp_path / "t" / "index" / "_delta_log" / f"{2:020d}.json").unlink()
    assert log.repacked(storage, TABLE, 3) == frozenset()
