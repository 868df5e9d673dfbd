"""A table's history: each version's provenance record, row counts and validation verdict, read from
the table's commits and ``_lakekit/validations``."""

from __future__ import annotations

import pyarrow as pa
import pytest
from deltalake import write_deltalake

import lakekit as lk
from lakekit.index import history
from lakekit.write import indexes

T = "raw.t"


def _report(version: int, ok: bool, failing: int) -> lk.ValidationReport:
    failures = tuple(lk.CheckFailure("a", f"check{i}", 1, (0,)) for i in range(failing))
    return lk.ValidationReport(ok, version, T, "schemas.T", "sha256:" + "0" * 64, 3, failures)


@pytest.fixture
def versions(lake: lk.Lake) -> lk.Lake:
    """raw.t: v0 without lakekit, v1 a load validated by a schema whose verdict was lost, v2..v4 judged."""
    storage = lake._storage
    write_deltalake(storage.uri(T), pa.table({"a": [1]}))
    judged = lk.LoadProvenance(load_id="l1", job="j", mode="append", schema="schemas.T", schema_hash="sha256:x")
    storage.write(T, pa.table({"a": [2]}), mode="append", commit=judged.commit({}), base=storage.open(T))
    for version, (ok, failing) in enumerate([(True, 0), (True, 2), (False, 1)], start=2):
        plain = lk.LoadProvenance(load_id=f"l{version}", job="j", mode="append")
        storage.write(T, pa.table({"a": [version]}), mode="append", commit=plain.commit({}), base=storage.open(T))
        indexes.record_validation(storage, _report(version, ok, failing))
    return lake


def test_each_version_has_its_verdict_by_name_and_in_words(versions: lk.Lake) -> None:
    entries = {e.version: e for e in versions.history(T)}
    assert [(v, e.verdict, e.failing_checks) for v, e in sorted(entries.items())] == [
        (0, "unvalidated", 0), (1, "unrecorded", 0), (2, "valid", 0), (3, "warned", 2), (4, "invalid", 1)]
    assert [entries[v].validation for v in range(5)] == [
        "unvalidated", "verdict not recorded", "valid", "warned (2 failing check(s))", "invalid (1 failing check(s))"]
    assert entries[4].asdict()["validation"] == "invalid (1 failing check(s))"


def test_the_latest_verdict_of_a_version_wins(versions: lk.Lake) -> None:
    indexes.record_validation(versions._storage, _report(4, True, 0))
    assert versions.history(T)[0].verdict == "valid"


def test_provenance_and_write_ids_come_from_the_commits(versions: lk.Lake) -> None:
    entries = versions.history(T)
    assert [e.version for e in entries] == [4, 3, 2, 1, 0]  # newest first
    assert entries[-1].provenance.operation is None and entries[-1].asdict()["provenance"] == {}
    assert entries[0].rows_added == 1 and entries[0].operation == "WRITE"
    assert history.write_ids(versions._storage, T) == {"l1", "l2", "l3", "l4"}


def test_reading_a_table_sees_one_snapshot_while_others_commit(versions: lk.Lake) -> None:
    other = lk.Lake(versions.root)  # another writer: its commits land while the block reads
    with versions.reading(T):
        seen = versions.summary(T), versions.history(T), versions.schema(T)
        other._storage.write(T, pa.table({"a": [9]}), mode="append", commit=lk.LoadProvenance(
            load_id="l9", job="j", mode="append").commit({}), base=other._storage.open(T))
        assert (versions.summary(T), versions.history(T), versions.schema(T)) == seen
        assert seen[0].version == 4 and [e.version for e in seen[1]][:1] == [4]
    assert versions.summary(T).version == 5 and versions.history(T)[0].version == 5
    assert versions.history(T)[1:] == seen[1]


def test_a_write_to_a_table_read_as_one_snapshot_is_refused(versions: lk.Lake, tmp_path) -> None:
    source = tmp_path / "more.csv"
    source.write_text("a\n7\n")
    with versions.reading(T), pytest.raises(lk.UsageError, match="write to it outside that block"):
        versions.ingest(T, str(source))
    assert versions.summary(T).version == 4
    assert versions.ingest(T, str(source)).version == 5

