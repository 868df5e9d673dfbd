"""``lakekit runs``: finding runs from the command line, run ids by prefix, tables that keep ids whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from lakekit import Lake
from lakekit.cli import _common, app

runner = CliRunner()


@pytest.fixture
def lake_root(tmp_path: Path) -> tuple[str, list[str]]:
    """A lake with three runs of 'train' (auc 0.7, 0.93, 0.91) and one of 'score' (no metrics)."""
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.items"), pa.table({"id": [1, 2]}))
    ids = []
    for name, auc in [("train", 0.7), ("train", 0.93), ("score", None), ("train", 0.91)]:
        with lake.start_run(name, params={"model": "a-rather-long-model-name-" * 3}) as run:
            run.read("raw.items")
            if auc is not None:
                run.log_metrics({"auc": auc})
        ids.append(run.run_id)
    return str(tmp_path / "lake"), ids


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_list_filters_sorts_and_limits_with_metrics_as_columns(lake_root: tuple[str, list[str]]) -> None:
    root, ids = lake_root
    code, out, _ = invoke("runs", "list", "--lake", root, "--name", "train", "--where", "metrics.auc > 0.8",
                          "--sort", "-metrics.auc", "--limit", "5")
    assert code == 0
    assert [line.split("│")[1].strip() for line in out.splitlines() if "│" in line] == [ids[1], ids[3]]
    assert "metrics.auc" in out and "0.93" in out and '{"auc"' not in out
    code, out, _ = invoke("runs", "list", "--lake", root, "--json")
    listed = json.loads(out)
    assert [r["run_id"] for r in listed] == ids[::-1]  # newest first
    assert listed[0]["metrics"] == {"auc": 0.91} and listed[0]["params"]["model"].startswith("a-rather")


def test_piped_output_is_never_cut(lake_root: tuple[str, list[str]]) -> None:
    root, ids = lake_root
    _, out, _ = invoke("runs", "list", "--lake", root)
    assert "a-rather-long-model-name-" * 3 in out and all(i in out for i in ids)


def test_on_a_narrow_terminal_ids_stay_whole_and_other_columns_are_cut(lake_root, monkeypatch) -> None:
    root, ids = lake_root
    screen = Console(file=io.StringIO(), width=100, force_terminal=True, color_system=None)
    monkeypatch.setattr(_common, "out", screen)
    assert invoke("runs", "list", "--lake", root)[0] == 0
    lines = screen.file.getvalue().splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert [i for i in ids if any(i in line for line in lines)] == ids
    assert "…" in screen.file.getvalue()


def test_run_ids_resolve_from_prefixes_and_an_ambiguous_one_says_how_many(lake_root) -> None:
    root, ids = lake_root
    code, out, _ = invoke("runs", "show", "--lake", root, ids[2].partition("-")[2])
    assert code == 0 and ids[2] in out
    code, _, err = invoke("runs", "show", "--lake", root, ids[0][:8])
    assert code == 1 and err.strip() == f"error: run id prefix '{ids[0][:8]}' matches 4 runs: give more of the id"
    code, _, err = invoke("runs", "compare", "--lake", root, ids[0][:8], ids[1])
    assert code == 1 and "matches 4 runs" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "message"), [
    (("--status", "done"), "expected one of running, finished, failed"),
    (("--where", "metrics.acu > 1"), "no run has a column 'metrics.acu'"),
    (("--limit", "-1"), "greater than or equal to 0"),
])
def test_bad_list_options_are_one_line_errors(lake_root, args: tuple[str, ...], message: str) -> None:
    root, _ = lake_root
    code, _, err = invoke("runs", "list", "--lake", root, *args)
    assert code in (1, 2) and message in err and "Traceback" not in err


def test_slices_show_error_rates_as_percentages(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.people"), pa.table({"id": [1, 2, 3], "region": ["eu", "eu", "us"],
                                                                "label": [1, 0, 1]}))
    with lake.start_run("model") as run:
        run.read("raw.people")
        run.log_predictions(pa.table({"id": [1, 2, 3], "pred": [1, 1, 1]}), keys=["id"])
    code, out, _ = invoke("runs", "slices", run.run_id, "--by", "region", "--label", "label", "--prediction",
                          "pred", "--lake", str(tmp_path / "lake"))
    assert code == 0 and "50.0%" in out and "0.0%" in out and "0.5" not in out.replace("50.0%", "")
    code, out, _ = invoke("runs", "slices", run.run_id, "--by", "region", "--label", "label", "--prediction",
                          "pred", "--lake", str(tmp_path / "lake"), "--json")
    assert [s["error_rate"] for s in json.loads(out)] == [0.5, 0.0]


def test_compare_says_what_it_could_not_compare_when_a_version_is_gone(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.items"), pa.table({"id": [1, 2]}))
    with lake.start_run("train", params={"lr": 0.1}) as a:
        a.read("raw.items")
    write_deltalake(lake._storage.uri("raw.items"), pa.table({"id": [3]}), mode="overwrite")
    with lake.start_run("train", params={"lr": 0.2}) as b:
        b.read("raw.items")
    DeltaTable(lake._storage.uri("raw.items")).vacuum(retention_hours=0, enforce_retention_duration=False,
                                                      dry_run=False)
    code, out, err = invoke("runs", "compare", a.run_id, b.run_id, "--lake", str(tmp_path / "lake"))
    assert code == 0, err
    assert "rows not compared: version 0 is no longer readable" in out
    assert [[c.strip() for c in line.split("│")[1:4]] for line in out.splitlines() if "│ lr" in line] == [
        ["lr", "0.1", "0.2"]]


def test_slices_show_params_and_metrics_and_say_which_input_is_gone(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.people"), pa.table({"id": [1, 2], "region": ["eu", "us"]}))
    with lake.start_run("model", params={"depth": 4}) as run:
        run.read("raw.people")
        run.log_metrics({"auc": 0.75})
        run.log_predictions(pa.table({"id": [1, 2], "label": [1, 0], "pred": [1, 1]}), keys=["id"])
    write_deltalake(lake._storage.uri("raw.people"), pa.table({"id": [3], "region": ["eu"]}), mode="overwrite")
    DeltaTable(lake._storage.uri("raw.people")).vacuum(retention_hours=0, enforce_retention_duration=False,
                                                       dry_run=False)
    code, out, err = invoke("runs", "slices", run.run_id[-4:], "--by", "region", "--label", "label",
                            "--prediction", "pred", "--lake", str(tmp_path / "lake"))
    assert code == 1 and 'params {"depth": 4}, metrics {"auc": 0.75}' in out
    assert err.strip().endswith("(not readable any more: 'raw.people' version 0)") and len(err.splitlines()) == 1


@given(width=st.integers(20, 300), natural=st.dictionaries(st.text("abcdefgh", min_size=1, max_size=6),
                                                          st.integers(1, 60), min_size=1, max_size=9),
       kept=st.integers(0, 3))
def test_fitted_widths_keep_the_kept_columns_and_fit_the_rest(width: int, natural: dict[str, int],
                                                              kept: int) -> None:
    keep = set(sorted(natural)[:kept])
    widths = _common.fitted(width, natural, keep)
    assert list(widths) == list(natural)
    assert all(widths[c] == natural[c] for c in keep)
    assert all(1 <= widths[c] <= natural[c] for c in natural)
    room = width - 3 * len(natural) - 1 - sum(natural[c] for c in keep)
    others = [c for c in natural if c not in keep]
    if room >= len(others):  # room for every other column: the table fits the terminal
        assert sum(widths[c] for c in others) <= room
    if sum(natural[c] for c in others) <= room:  # room for all of them: nothing is cut
        assert widths == natural
