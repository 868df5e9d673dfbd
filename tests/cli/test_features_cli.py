"""``lakekit features list | show | latest`` in-process, with views from lakekit.toml and the lake."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

import lakekit as lk
from tests.cli.test_cli import run

CONFIG = """lake = "lake"

[features.activity]
table = "f.activity"
entity = "user_id"
timestamp = "at"
features = ["clicks_7d"]
ttl = "7d"
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "lakekit.toml").write_text(CONFIG)
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("f.activity"), pa.table({
        "user_id": [1, 1, 2], "at": pa.array([datetime(2024, 5, 1), datetime(2024, 5, 3), datetime(2024, 5, 2)],
                                             pa.timestamp("us")),
        "clicks_7d": [10, 30, 20], "views_7d": [1, 3, 2]}))
    lake.features.register(lk.FeatureView("views", table="f.activity", entity="user_id", timestamp="at",
                                          features=["views_7d"], description="profile views, 7 days"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_list_and_show(workdir: Path) -> None:
    code, out, _ = run("features", "list", "--json")
    assert code == 0
    assert [(v["name"], v["features"], v["ttl"]) for v in json.loads(out)] == [
        ("activity", ["clicks_7d"], "7d"), ("views", ["views_7d"], None)]
    code, out, _ = run("features", "show", "views", "--json")
    info = json.loads(out)
    assert code == 0 and (info["source"], info["version"], info["types"]["at"]) == ("registered", 0, "timestamp[us]")
    code, out, _ = run("features", "show", "activity")
    assert code == 0 and "feature view activity (declared): f.activity, version 0; ttl 7d" in out
    assert "clicks_7d" in out and "event time" in out


def test_latest_types_the_keys_from_the_views(workdir: Path) -> None:
    code, out, _ = run("features", "latest", "activity:clicks_7d", "views:*", "--key", "user_id=1", "--key",
                       "user_id=3", "--at", "2024-05-04", "--json")
    assert code == 0
    assert json.loads(out) == [{"user_id": 1, "clicks_7d": 30, "views_7d": 3},
                               {"user_id": 3, "clicks_7d": None, "views_7d": None}]
    code, out, _ = run("features", "latest", "activity", "--key", "user_id=2", "--at", "2024-05-20", "--json")
    assert code == 0 and json.loads(out) == [{"user_id": 2, "clicks_7d": None}]  # beyond the 7-day ttl
    code, out, _ = run("features", "latest", "activity", "--key", "user_id=2", "--at", "2024-05-04")
    assert code == 0 and "latest values at 2024-05-04" in out and "20" in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("features", "latest", "activity", "--key", "user_id=one"), 2, "'user_id' values must be int64"),
    (("features", "latest", "activity", "--key", "uid=1"), 1,
     "error: entity keys have no column 'user_id', an entity key of feature view 'activity'"),
    (("features", "show", "nope"), 1, "error: no feature view 'nope' (known: activity, views)"),
    (("features", "latest", "activity", "--key", "user_id=1", "--at", "soon"), 2, "expected an ISO time"),
])
def test_bad_input_is_one_line(workdir: Path, args: tuple[str, ...], code: int, message: str) -> None:
    got, _, err = run(*args)
    assert got == code and message in err
    if code == 1:
        assert err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_config_is_one_line(workdir: Path) -> None:
    (workdir / "lakekit.toml").write_text(CONFIG.replace('timestamp = "at"\n', ""))
    code, _, err = run("features", "list")
    assert code == 1 and err == "error: lakekit.toml: feature view 'activity' needs 'timestamp'\n"
