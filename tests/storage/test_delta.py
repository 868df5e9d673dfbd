"""The storage layer over delta-rs, on real Delta tables on disk: opening, versions, writes and their
conflicts, reads with filters, kept handles, the subject key, vacuum and properties."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import given, settings
from hypothesis import strategies as st

from lakekit.errors import ColumnNotFound, Conflict, LakekitError, TableNotFound, UsageError, VersionNotFound
from lakekit.storage.delta import SUBJECT_KEY_ENV, Commit, Storage
from lakekit.storage.roots import normalise_root, split_name, table_folder

T = "raw.t"


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(normalise_root(tmp_path / "lake"))


def _rows(*ids: int) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()), "name": [f"n{i}" for i in ids]})


def _create(storage: Storage, *ids: int) -> int:
    return storage.write(T, _rows(*ids), mode="append", commit=Commit(), base=None)


def test_unknown_tables_and_versions_are_named(storage: Storage) -> None:
    with pytest.raises(TableNotFound, match=r"'raw\.t'"):
        storage.open(T)
    assert not storage.exists(T)
    _create(storage, 1)
    assert storage.exists(T) and storage.tables() == [T]
    with pytest.raises(VersionNotFound, match="version 5"):
        storage.open(T, 5)


def test_creating_a_table_someone_else_created_is_a_conflict(storage: Storage) -> None:
    assert _create(storage, 1) == 0
    with pytest.raises(Conflict):
        _create(storage, 2)
    assert storage.read(T).column("id").to_pylist() == [1]  # no second table id stacked on the first


def test_an_exclusive_commit_refuses_a_stale_snapshot_and_a_plain_one_lands_on_top(storage: Storage) -> None:
    _create(storage, 1)
    stale = storage.open(T)
    write_deltalake(storage.uri(T), _rows(2), mode="append")
    with pytest.raises(Conflict):
        storage.write(T, _rows(3), mode="append", commit=Commit(exclusive=True), base=stale)
    stale = storage.open(T, 0)
    assert storage.write(T, _rows(4), mode="append", commit=Commit(), base=stale) == 2
    assert sorted(storage.read(T).column("id").to_pylist()) == [1, 2, 4]


def test_app_transactions_and_metadata_are_committed(storage: Storage) -> None:
    storage.write(T, _rows(1), mode="append", base=None,
                  commit=Commit({"lakekit": '{"operation": "ingest"}'}, {"app-1": 3}))
    dt = storage.open(T)
    assert dt.transaction_version("app-1") == 3
    assert storage.history(T)[0]["lakekit"] == '{"operation": "ingest"}'


def test_merge_upserts_on_keys(storage: Storage) -> None:
    _create(storage, 1, 2)
    update = pa.table({"id": pa.array([2, 3], pa.int64()), "name": ["two", "three"]})
    assert storage.merge(T, update, keys=["id"], commit=Commit(), base=storage.open(T)) == 1
    assert sorted(storage.read(T).to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "name": "n1"}, {"id": 2, "name": "two"}, {"id": 3, "name": "three"}]


def test_versions_by_number_or_time(storage: Storage) -> None:
    _create(storage, 1)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    write_deltalake(storage.uri(T), _rows(2), mode="append")
    assert storage.resolve(T) == 1 and storage.resolve(T, 0) == 0
    assert storage.resolve(T, as_of=between) == 0 and storage.resolve(T, as_of=between.isoformat()) == 0
    with pytest.raises(VersionNotFound):
        storage.resolve(T, as_of=between - timedelta(days=1))
    with pytest.raises(UsageError, match="not both"):
        storage.resolve(T, 0, as_of=between)
    with pytest.raises(UsageError, match="ISO timestamp"):
        storage.resolve(T, as_of="yesterday")


def test_reads_take_columns_and_filters_and_name_what_is_wrong(storage: Storage) -> None:
    _create(storage, 1, 2, 3)
    assert storage.read(T, columns=["id"], filter=pc.field("id") > 1).to_pydict() == {"id": [2, 3]}
    assert storage.read(T, columns=["name"], filter="id = 2").to_pydict() == {"name": ["n2"]}
    with pytest.raises(ColumnNotFound, match=r"table 'raw\.t' has no column 'nope'"):
        storage.read(T, columns=["nope"])
    with pytest.raises(LakekitError, match=r"filter on 'raw\.t' does not apply") as caught:
        storage.read(T, filter="nope = 'secret value'")
    assert "\n" not in str(caught.value)


def test_a_kept_handle_sees_commits_of_others_and_a_deleted_table(storage: Storage) -> None:
    _create(storage, 1)
    assert storage.latest(T).version() == 0
    write_deltalake(storage.uri(T), _rows(2), mode="append")
    assert storage.latest(T).version() == 1
    for path in sorted(Path(storage.uri(T)).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    with pytest.raises(TableNotFound):
        storage.latest(T)


def test_the_subject_key_is_made_once_and_kept(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SUBJECT_KEY_ENV, raising=False)
    key = storage.secret()
    assert len(key) == 64 and Storage(storage.root).secret() == key
    monkeypatch.setenv(SUBJECT_KEY_ENV, "from-the-environment")
    assert storage.secret() == b"from-the-environment"


def test_vacuum_keeps_the_files_of_pinned_versions(storage: Storage) -> None:
    _create(storage, 1)
    storage.write(T, _rows(2), mode="overwrite", commit=Commit(), base=storage.open(T))
    storage.write(T, _rows(3), mode="overwrite", commit=Commit(), base=storage.open(T))
    removed = storage.vacuum(T, retention_hours=0, dry_run=False, keep_versions=[0])
    assert len(removed) == 1  # version 1's file; version 0's is pinned, version 2's is current
    assert storage.read(T, 0).column("id").to_pylist() == [1]
    with pytest.raises(VersionNotFound):
        storage.read(T, 1)


def test_properties_are_set_on_exactly_the_snapshot_given(storage: Storage) -> None:
    _create(storage, 1)
    stale = storage.open(T)
    write_deltalake(storage.uri(T), _rows(2), mode="append")
    with pytest.raises(Conflict):
        storage.set_properties(T, {"lakekit.format": "2"}, base=stale)
    storage.set_properties(T, {"lakekit.format": "2"}, base=storage.open(T))
    assert DeltaTable(storage.uri(T)).metadata().configuration == {"lakekit.format": "2"}


def test_memory_roots_live_for_the_process_and_paths_resolve(tmp_path: Path) -> None:
    assert normalise_root("memory://a") == normalise_root("memory://a") != normalise_root("memory://b")
    assert os.path.isdir(normalise_root("memory://a"))
    assert normalise_root(f"file://{tmp_path}/x") == str(tmp_path / "x")
    assert normalise_root("s3://bucket/lake/") == "s3://bucket/lake"


@given(st.from_regex(r"[a-z_][a-z0-9_]{0,8}\.[a-z_][a-z0-9_]{0,8}", fullmatch=True))
def test_a_table_name_is_a_folder_two_deep(name: str) -> None:
    assert table_folder(name) == name.replace(".", "/")
    assert ".".join(split_name(name)) == name


@pytest.mark.parametrize("bad", ["t", "a.b.c", "a.", ".b", "a/b.c"])
def test_other_names_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        split_name(bad)


@settings(max_examples=20)
@given(st.lists(st.lists(st.integers(1, 10**6), min_size=1, max_size=5), min_size=1, max_size=3))
def test_a_summary_counts_the_latest_version_and_names_its_plain_types(tmp_path_factory, batches) -> None:
    storage = Storage(normalise_root(tmp_path_factory.mktemp("lake")))
    for n, ids in enumerate(batches):
        storage.write(T, _rows(*ids), mode="append", commit=Commit(), base=storage.open(T) if n else None)
    version, rows, schema = storage.summary(T)
    assert (version, rows) == (len(batches) - 1, sum(map(len, batches)))
    assert schema == storage.read(T).schema
    storage.merge(T, _rows(batches[0][0]), keys=["id"], commit=Commit(), base=storage.open(T))  # rewrites a file
    version, rows, schema = storage.summary(T)
    assert (version, rows, schema.field("name").type) == (len(batches), sum(map(len, batches)), pa.string())
    with pytest.raises(TableNotFound):
        storage.summary("raw.absent")
