"""``known_at="commit"``: a row counts from the version that first held it — through compactions,
merges that copy rows they do not change, overwrites restating rows — and not before; an updated
value counts from its update; a row deleted and added again counts from its return; files that are
gone make rows count from their rewrite (later, never earlier)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

import lakekit as lk

T1 = datetime(2024, 5, 3, 9, 0, tzinfo=UTC)
MS = timedelta(milliseconds=1)


def _rows(*rows: tuple[int, datetime, int]) -> pa.Table:
    return pa.table({"user_id": pa.array([r[0] for r in rows], pa.int64()),
                     "at": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
                     "clicks": pa.array([r[2] for r in rows], pa.int64())})


@pytest.fixture
def lake(tmp_path) -> lk.Lake:
    return lk.Lake(tmp_path / "lake", feature_views=[
        lk.FeatureView("act", table="f.act", entity="user_id", timestamp="at")])


def _commit(uri: str, version: int) -> datetime:
    stamp = next(h["timestamp"] for h in DeltaTable(uri).history() if h["version"] == version)
    return datetime.fromtimestamp(stamp / 1000, UTC)


def _step() -> None:
    time.sleep(0.02)  # commit times apart by more than the labels' ±1 ms


def _at(lake: lk.Lake, entity: int, when: datetime, known_at: str = "commit") -> int | None:
    labels = pa.table({"user_id": [entity], "ts": pa.array([when], pa.timestamp("us", tz="UTC"))})
    value: int | None = lake.features.historical(labels, "act:clicks", "ts", known_at=known_at)["clicks"][0].as_py()
    return value


def test_a_late_row_is_unknown_until_its_commit_and_latency_allows_it_earlier(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.act")
    write_deltalake(uri, _rows((1, T1, 10)))
    _step()
    write_deltalake(uri, _rows((1, T1 + timedelta(hours=1), 11)), mode="append")  # late: its event was long ago
    late = _commit(uri, 1)
    assert _at(lake, 1, late - MS) == 10
    assert _at(lake, 1, late) == 11  # committed at the label's time counts
    assert _at(lake, 1, late - MS, known_at="event") == 11
    assert _at(lake, 1, late - 5 * MS, known_at="10ms") == 11
    assert _at(lake, 1, late - 15 * MS, known_at="10ms") == 10
    assert _at(lake, 1, _commit(uri, 0) - MS) is None  # nothing was committed yet


def _appended_twice_then_compacted(lake: lk.Lake) -> str:
    """Versions 0 and 1 append a row each, version 2 compacts them into one file."""
    uri = lake._storage.uri("f.act")
    write_deltalake(uri, _rows((1, T1, 10)))
    _step()
    write_deltalake(uri, _rows((2, T1, 20)), mode="append")
    _step()
    DeltaTable(uri).optimize.compact()
    return uri


def test_compaction_keeps_when_rows_were_first_known(lake: lk.Lake) -> None:
    uri = _appended_twice_then_compacted(lake)
    assert len(DeltaTable(uri).file_uris()) == 1
    assert _at(lake, 1, _commit(uri, 0) + MS) == 10
    assert _at(lake, 2, _commit(uri, 1) - MS) is None
    assert _at(lake, 2, _commit(uri, 1) + MS) == 20


def test_an_update_counts_from_the_update_and_copied_rows_from_their_first_commit(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.act")
    write_deltalake(uri, _rows((1, T1, 10), (2, T1, 20)))  # one file: the merge rewrites it whole
    _step()
    (DeltaTable(uri).merge(_rows((1, T1, 11)), "t.user_id = s.user_id AND t.at = s.at", source_alias="s",
                           target_alias="t").when_matched_update_all().execute())
    between = _commit(uri, 1) - MS
    assert _at(lake, 2, between) == 20  # copied by the merge, known since version 0
    assert _at(lake, 1, between) is None  # 10 is no longer in the pinned version; 11 came later
    assert _at(lake, 1, between, known_at="event") == 11
    assert _at(lake, 1, _commit(uri, 1)) == 11


def test_an_overwrite_restating_rows_keeps_them_known(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.act")
    write_deltalake(uri, _rows((1, T1, 10), (2, T1, 20)))
    _step()
    write_deltalake(uri, _rows((1, T1, 10), (2, T1, 21)), mode="overwrite")
    between = _commit(uri, 1) - MS
    assert (_at(lake, 1, between), _at(lake, 2, between)) == (10, None)


def test_a_row_deleted_and_added_again_counts_from_its_return(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.act")
    write_deltalake(uri, _rows((1, T1, 10), (2, T1, 20)))
    _step()
    DeltaTable(uri).delete("user_id = 2")
    _step()
    write_deltalake(uri, _rows((2, T1, 20)), mode="append")
    assert _at(lake, 2, _commit(uri, 0) + MS) is None  # held then, but not in every version since
    assert _at(lake, 2, _commit(uri, 2)) == 20
    assert _at(lake, 1, _commit(uri, 0) + MS) == 10  # rewritten by the delete, known all along


def test_rows_of_vacuumed_files_count_from_their_rewrite(lake: lk.Lake) -> None:
    uri = _appended_twice_then_compacted(lake)
    DeltaTable(uri).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    assert _at(lake, 1, _commit(uri, 1) + MS) is None  # the compacted file's rows count from version 2
    assert _at(lake, 1, _commit(uri, 2)) == 10
    assert _at(lake, 1, _commit(uri, 1) + MS, known_at="event") == 10


def test_partitioned_tables_keep_their_partition_values_through_rewrites(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.act")
    days = pa.array(["2024-05-03", "2024-05-03", "2024-05-04"])
    write_deltalake(uri, _rows((1, T1, 10), (3, T1, 30), (2, T1, 20)).append_column("day", days), partition_by=["day"])
    _step()
    DeltaTable(uri).delete("user_id = 3")  # rewrites the 2024-05-03 file, user 1 copied
    _step()
    write_deltalake(uri, _rows((1, T1, 10)).append_column("day", pa.array(["2024-05-05"])), mode="append")
    lake.features.register(lk.FeatureView("byday", table="f.act", entity="user_id", timestamp="at",
                                          features=["clicks", "day"]))
    labels = pa.table({"user_id": [1, 1], "ts": pa.array([_commit(uri, 1) - MS, _commit(uri, 2)],
                                                         pa.timestamp("us", tz="UTC"))})
    got = lake.features.historical(labels, "byday:*", "ts", known_at="commit")
    assert got["day"].to_pylist() == ["2024-05-03", "2024-05-05"]  # the same event time: the latest commit wins
