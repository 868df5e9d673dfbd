"""Feature views and point-in-time training sets on real Delta tables: labels kept 1:1 and in
order, ties, ttl, several views and keys, time zones, serving, the registry and the config, and
bad input refused with one line naming what is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from deltalake import write_deltalake

import lakekit as lk
from lakekit.errors import UsageError
from lakekit.features import views_from_config

H = [datetime(2024, 5, 3, h) for h in range(24)]
ACTIVITY = lk.FeatureView("activity", table="f.activity", entity="user_id", timestamp="at")


@pytest.fixture
def lake(tmp_path) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("f.activity"), pa.table({
        "user_id": [1, 1, 1, 2], "at": pa.array([H[1], H[5], H[9], H[2]], pa.timestamp("us")),
        "clicks_7d": [10, 50, 90, 20], "views_7d": [1.0, 5.0, 9.0, 2.0], "_load_id": ["a", "a", "a", "a"]}))
    lake.features.register(ACTIVITY)
    return lake


def _labels(*rows: tuple[int | None, datetime | None]) -> pa.Table:
    return pa.table({"user_id": pa.array([r[0] for r in rows], pa.int64()),
                     "labelled_at": pa.array([r[1] for r in rows], pa.timestamp("us")),
                     "label": [i % 2 == 0 for i in range(len(rows))]})


def test_each_label_gets_the_latest_values_true_at_its_time(lake: lk.Lake) -> None:
    labels = _labels((1, H[6]), (1, H[0]), (2, H[23]), (3, H[9]), (1, H[9]), (None, H[9]), (1, None), (1, H[5]))
    got = lake.features.historical(labels, ["activity:*"], "labelled_at")
    assert got.column_names == ["user_id", "labelled_at", "label", "clicks_7d", "views_7d"]
    assert got.select(labels.column_names).equals(labels)
    assert got["clicks_7d"].to_pylist() == [50, None, 20, None, 90, None, None, 50]
    assert got.schema.field("views_7d").type == pa.float64()


def test_ttl_blanks_values_older_than_it(lake: lk.Lake) -> None:
    labels = _labels((1, H[8]), (1, H[9]), (2, H[5]))
    assert lake.features.historical(labels, "activity:clicks_7d", "labelled_at", ttl="3h")["clicks_7d"].to_pylist() \
        == [50, 90, 20]
    assert lake.features.historical(labels, "activity:clicks_7d", "labelled_at", ttl="2h")["clicks_7d"].to_pylist() \
        == [None, 90, None]
    short = lk.FeatureView("short", table="f.activity", entity="user_id", timestamp="at", ttl=timedelta(hours=2))
    lake.features.register(short)
    assert lake.features.historical(labels, "short:clicks_7d", "labelled_at")["clicks_7d"].to_pylist() \
        == [None, 90, None]


def test_the_same_event_time_twice_takes_the_later_commit(lake: lk.Lake) -> None:
    uri = lake._storage.uri("f.activity")
    fix = pa.table({"user_id": [1], "at": pa.array([H[5]], pa.timestamp("us")), "clicks_7d": [55], "views_7d": [5.5],
                    "_load_id": ["b"]})
    write_deltalake(uri, fix, mode="append")
    write_deltalake(uri, fix.set_column(2, "clicks_7d", pa.array([7])), mode="append")
    got = lake.features.historical(_labels((1, H[6]), (1, H[9])), "activity:clicks_7d", "labelled_at")
    assert got["clicks_7d"].to_pylist() == [7, 90]


def test_several_views_and_composite_keys(lake: lk.Lake) -> None:
    write_deltalake(lake._storage.uri("f.by_region"), pa.table({
        "user_id": [1, 1, 1], "region": ["eu", "us", "eu"], "day": pa.array([date(2024, 5, 2), date(2024, 5, 3),
                                                                                date(2024, 5, 4)]),
        "clicks_7d": [100, 200, 300]}))
    lake.features.register(lk.FeatureView("regional", table="f.by_region", entity=["user_id", "region"],
                                          timestamp="day"))
    labels = _labels((1, H[6]), (1, H[0])).append_column("region", pa.array(["eu", "us"]))
    with pytest.raises(UsageError, match=r"would be column 'clicks_7d', .* full_names=True"):
        lake.features.historical(labels, ["activity:clicks_7d", "regional:*"], "labelled_at")
    got = lake.features.historical(labels, ["regional:*", "activity:clicks_7d"], "labelled_at", full_names=True)
    assert got.column_names[-2:] == ["regional__clicks_7d", "activity__clicks_7d"]
    assert got["regional__clicks_7d"].to_pylist() == [100, 200]  # a date is its midnight, UTC
    assert got["activity__clicks_7d"].to_pylist() == [50, None]


def test_labels_from_polars_pandas_and_a_lake_table(lake: lk.Lake) -> None:
    labels = _labels((1, H[6]), (2, H[3]))
    expected = lake.features.historical(labels, "activity:clicks_7d", "labelled_at")["clicks_7d"].to_pylist()
    frame = pl.from_arrow(labels)
    assert isinstance(frame, pl.DataFrame)
    assert lake.features.historical(frame, "activity:clicks_7d", "labelled_at")["clicks_7d"].to_pylist() == expected
    pandas = labels.to_pandas()
    assert isinstance(pandas, pd.DataFrame)  # datetime64[ns] labels
    assert lake.features.historical(pandas, "activity:clicks_7d", "labelled_at")["clicks_7d"].to_pylist() == expected
    write_deltalake(lake._storage.uri("l.labels"), labels)
    write_deltalake(lake._storage.uri("l.labels"), _labels((1, H[23])), mode="append")
    assert lake.features.historical(("l.labels", 0), "activity:clicks_7d", "labelled_at")["clicks_7d"].to_pylist() \
        == expected
    assert lake.features.historical("l.labels", "activity:clicks_7d", "labelled_at").num_rows == 3


def test_time_zones_are_instants_and_naive_times_utc(lake: lk.Lake) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    aware = pa.table({"user_id": [1, 1], "labelled_at": pa.array(
        [datetime(2024, 5, 3, 7, 30, tzinfo=berlin), datetime(2024, 5, 3, 11, 30, tzinfo=berlin)],
        pa.timestamp("ms", tz="Europe/Berlin"))})  # 05:30 and 09:30 UTC
    assert lake.features.historical(aware, "activity:clicks_7d", "labelled_at")["clicks_7d"].to_pylist() == [50, 90]
    nanos = pa.table({"user_id": [1], "labelled_at": pa.array([H[5]], pa.timestamp("ns"))})
    assert lake.features.historical(nanos, "activity:clicks_7d", "labelled_at")["clicks_7d"].to_pylist() == [50]


def test_latest_serves_current_values_from_the_same_views(lake: lk.Lake) -> None:
    got = lake.features.latest({"user_id": [2, 1, 7]}, ["activity:clicks_7d"], at=datetime(2024, 5, 3, 6, tzinfo=UTC))
    assert got.to_pylist() == [{"user_id": 2, "clicks_7d": 20}, {"user_id": 1, "clicks_7d": 50},
                               {"user_id": 7, "clicks_7d": None}]
    assert lake.features.latest([{"user_id": 1}], "activity")["clicks_7d"].to_pylist() == [90]
    lake.features.register(lk.FeatureView("fresh", table="f.activity", entity="user_id", timestamp="at", ttl="1h"))
    assert lake.features.latest([{"user_id": 1}], "fresh:clicks_7d")["clicks_7d"].to_pylist() == [None]


def test_views_are_registered_for_every_process_and_declared_ones_win(lake: lk.Lake, tmp_path) -> None:
    other = lk.Lake(tmp_path / "lake")
    assert [v.name for v in other.features.views()] == ["activity"]
    info = other.features.info("activity")
    assert (info.source, info.version, info.features) == ("registered", 0, ("clicks_7d", "views_7d"))
    assert info.types["at"] == "timestamp[us]"
    narrow = lk.FeatureView("activity", table="f.activity", entity="user_id", timestamp="at", features=["views_7d"])
    declared = lk.Lake(tmp_path / "lake", feature_views=[narrow])
    assert declared.features.info("activity").source == "declared"
    assert declared.features.historical(_labels((1, H[6])), "activity", "labelled_at").column_names[-1] == "views_7d"
    other.features.drop("activity")
    assert lake.features.views() == []
    with pytest.raises(UsageError, match="no feature view 'activity' \\(known: none"):
        lake.features.view("activity")


def test_the_config_declares_views() -> None:
    config = {"features": {"activity": {"table": "f.activity", "entity": ["user_id"], "timestamp": "at",
                                        "features": ["clicks_7d"], "ttl": "7d"}}}
    (view,) = views_from_config(config)
    assert view == lk.FeatureView("activity", table="f.activity", entity="user_id", timestamp="at",
                                  features=["clicks_7d"], ttl=timedelta(days=7))
    for bad, message in (({"activity": {"table": "f.a", "entity": "u"}}, "needs 'timestamp'"),
                         ({"activity": {"table": "f.a", "entity": "u", "timestamp": "t", "tll": "1d"}}, "key 'tll'"),
                         ({"activity": {"table": "f.a", "entity": "u", "timestamp": "t", "ttl": "week"}}, "'week'"),
                         ({"activity": "f.a"}, "one table per view")):
        with pytest.raises(UsageError, match=message):
            views_from_config({"features": bad})


@pytest.mark.parametrize(("call", "message"), [
    (lambda lake: lake.features.historical(_labels((1, H[1])), "activity:*", "at"), "labels have no column 'at'"),
    (lambda lake: lake.features.historical(_labels((1, H[1])).set_column(
        1, "labelled_at", pa.array(["2024-05-03"])), "activity:*", "labelled_at"),
     "labels column 'labelled_at' is string, not a timestamp or date"),
    (lambda lake: lake.features.historical(_labels((1, H[1])), "activity:clicks_8d", "labelled_at"),
     "feature view 'activity' has no feature 'clicks_8d' \\(it has: clicks_7d, views_7d\\)"),
    (lambda lake: lake.features.historical(_labels((1, H[1])), "profile:age", "labelled_at"),
     "no feature view 'profile' \\(known: activity\\)"),
    (lambda lake: lake.features.historical(_labels((1, H[1])).set_column(0, "user_id", pa.array(["1"])),
                                           "activity:*", "labelled_at"),
     "labels column 'user_id' is string but feature view 'activity' keys on it as int64"),
    (lambda lake: lake.features.historical(_labels((1, H[1])).drop_columns(["user_id"]), "activity:*", "labelled_at"),
     "labels have no column 'user_id', an entity key of feature view 'activity'"),
    (lambda lake: lake.features.historical(_labels((1, H[1])), "activity:*", "labelled_at", known_at="later"),
     "known_at .* got 'later'"),
    (lambda lake: lake.features.historical(_labels((1, H[1])), "activity:*", "labelled_at", ttl="-1d"),
     "ttl must be a duration"),
    (lambda lake: lake.features.historical(_labels((1, H[1])), "activity:", "labelled_at"),
     "'view:feature' or 'view:\\*', got 'activity:'"),
    (lambda lake: lake.features.register(lk.FeatureView("bad", table="f.activity", entity="uid", timestamp="at")),
     "feature view 'bad': table 'f.activity' has no column 'uid'"),
    (lambda lake: lake.features.register(lk.FeatureView("bad", table="f.activity", entity="user_id",
                                                        timestamp="clicks_7d")),
     "table 'f.activity' column 'clicks_7d' is int64, not a timestamp or date"),
    (lambda lake: lk.FeatureView("bad", table="activity", entity="user_id", timestamp="at"), "'namespace.name'"),
])
def test_bad_input_is_one_line_naming_it(lake: lk.Lake, call, message: str) -> None:
    with pytest.raises(UsageError, match=message) as e:
        call(lake)
    assert "\n" not in str(e.value)
