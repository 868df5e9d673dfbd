"""Finding runs (``lake.runs(...)``): filters, sorting, limits, run ids by prefix, and comparisons
that survive an input version whose files are gone. Real Delta tables and runs on disk."""

from __future__ import annotations

from contextlib import nullcontext

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakekit import Lake
from lakekit.errors import AmbiguousRun, RunNotFound, UsageError

ITEMS = "raw.items"
AUCS = [0.62, 0.95, 0.71, 0.88, None, 0.91]
MODELS = ["gbm", "lr", "gbm", "mlp", "lr", "gbm"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Lake, list[str]]:
    """Six runs of two names: AUCS[i] logged by run i (run 4 logged none, run 5 failed)."""
    lake = Lake(tmp_path_factory.mktemp("search") / "lake")
    write_deltalake(lake._storage.uri(ITEMS), pa.table({"id": [1, 2, 3]}))
    ids = []
    for i, (auc, model) in enumerate(zip(AUCS, MODELS, strict=True)):
        run = lake.start_run("train" if i % 2 == 0 else "score", params={"model": model, "depth": i})
        with pytest.raises(ValueError) if i == 5 else nullcontext(), run:
            run.read(ITEMS)
            if auc is not None:
                run.log_metrics({"auc": auc})
            if i == 5:
                raise ValueError("boom")
        ids.append(run.run_id)
    return lake, ids


def test_newest_first_with_a_column_per_param_and_metric(recorded: tuple[Lake, list[str]]) -> None:
    lake, ids = recorded
    table = lake.runs()
    assert table.column("run_id").to_pylist() == ids[::-1]
    assert table.column("metrics.auc").to_pylist() == AUCS[::-1]
    assert table.column("params.model").to_pylist() == MODELS[::-1]
    assert table.schema.field("params.depth").type == pa.int64()
    assert lake.runs("score").column("run_id").to_pylist() == [ids[5], ids[3], ids[1]]
    assert lake.runs(status="failed").column("run_id").to_pylist() == [ids[5]]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(threshold=st.floats(0.5, 1.0), descending=st.booleans(), limit=st.none() | st.integers(0, 7),
       model=st.sampled_from(["gbm", "lr", "mlp", "svm"]))
def test_where_sort_and_limit_agree_with_the_recorded_values(recorded: tuple[Lake, list[str]], threshold: float,
                                                             descending: bool, limit: int | None, model: str) -> None:
    lake, ids = recorded
    found = lake.runs(where=f"metrics.auc > {threshold!r} OR params.model = '{model}'",
                      sort=("-" if descending else "") + "metrics.auc", limit=limit)
    meeting = [i for i, (auc, m) in enumerate(zip(AUCS, MODELS, strict=True))
               if (auc is not None and auc > threshold) or m == model]
    with_auc = sorted((i for i in meeting if AUCS[i] is not None), key=lambda i: (
        -AUCS[i] if descending else AUCS[i], -i))  # type: ignore[operator]
    expected = [ids[i] for i in with_auc + sorted((i for i in meeting if AUCS[i] is None), reverse=True)]
    assert found.column("run_id").to_pylist() == expected[:limit]


@pytest.mark.parametrize(("where", "sort", "message"), [
    ("metrics.acu > 0.9", (), "no run has a column 'metrics.acu'; known: metrics.auc"),
    (None, ("-metrics.loss",), "no run has a column 'metrics.loss'"),
    ("tags.team = 'x'", (), "no run recorded tags"),
    ("metrics.auc > (SELECT 1)", (), "not SUBQUERY"),
    ("metrics.auc >", (), "cannot read the run filter"),
    ("metrics.auc > 0.9; SELECT 1", (), "cannot read the run filter"),
    ("metrics.auc > 0.9 ORDER BY 1 LIMIT 2", (), "is not one condition"),
    ("metrics.auc > 0.9 UNION SELECT 1", (), "is not one condition"),
])
def test_a_filter_or_sort_it_cannot_use_is_a_one_line_error(recorded: tuple[Lake, list[str]], where: str | None,
                                                            sort: tuple[str, ...], message: str) -> None:
    lake, _ = recorded
    with pytest.raises(UsageError) as raised:
        lake.runs(where=where, sort=sort)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_run_ids_resolve_from_a_unique_prefix_everywhere(recorded: tuple[Lake, list[str]]) -> None:
    lake, ids = recorded
    suffix = ids[3].partition("-")[2]
    assert lake.run(ids[3][:-1]).run_id == ids[3]
    assert lake.run(ids[3][:-1].lower()).run_id == lake.run(ids[3][:-6].lower()).run_id == ids[3]  # in any case
    assert lake.run(ids[3].partition("-")[0].upper()[:-1]).run_id == ids[3]
    assert lake.run(suffix.upper()).run_id == ids[3]
    assert lake.reproduce(suffix)[ITEMS].num_rows == 3
    assert (lake.compare_runs(ids[0][:-1], suffix).a, lake.compare_runs(ids[0][:-1], suffix).b) == (ids[0], ids[3])
    with pytest.raises(AmbiguousRun, match=f"matches {len(ids)} runs"):
        lake.run(ids[0][:4])
    with pytest.raises(RunNotFound):
        lake.run("zz-no-such-run")


def test_compare_shows_params_and_metrics_when_an_input_version_is_gone(lake: Lake) -> None:
    write_deltalake(lake._storage.uri(ITEMS), pa.table({"id": [1, 2, 3]}))
    with lake.start_run("train", params={"lr": 0.1}) as a:
        a.read(ITEMS)
        a.log_metrics({"auc": 0.8})
    write_deltalake(lake._storage.uri(ITEMS), pa.table({"id": [4, 5]}), mode="overwrite")
    with lake.start_run("train", params={"lr": 0.2}) as b:
        b.read(ITEMS)
        b.log_metrics({"auc": 0.9})
    # another tool vacuums the table without lakekit's pins: version 0's files are gone
    DeltaTable(lake._storage.uri(ITEMS)).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    result = lake.compare_runs(a.run_id, b.run_id)
    assert result.params == {"lr": (0.1, 0.2)} and result.metrics == {"auc": (0.8, 0.9)}
    (change,) = result.inputs
    assert (change.table, change.version_a, change.version_b, change.rows) == (ITEMS, 0, 1, None)
    assert change.not_compared is not None and "version 0 is no longer readable" in change.not_compared
