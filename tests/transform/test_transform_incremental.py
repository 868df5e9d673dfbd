"""Incremental transforms: only new input rows are read, merged on keys, and the target always
equals a full refresh, row for row, whatever happened upstream."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pyarrow as arrow
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lakekit as lk
from lakekit.errors import UsageError
from lakekit.index import metadata
from lakekit.transform.incremental import driving_tables

SQL = ("SELECT e.id, e.amount * 2 AS doubled, p.country FROM src.events e "
       "LEFT JOIN src.people p ON e.user = p.user WHERE e.amount % 3 <> 0")
USERS = ["a", "b", "c", "d"]


def new_lake(root: Path) -> lk.Lake:
    lake = lk.Lake(root)
    write_deltalake(lake._storage.uri("src.people"), arrow.table({"user": ["a", "b"], "country": ["de", "fr"]}))
    write_deltalake(lake._storage.uri("src.events"), events(range(0, 5)))
    return lake


def events(ids: range | list[int], bump: int = 0) -> arrow.Table:
    ids = list(ids)
    return arrow.table({"id": ids, "user": [USERS[i % 4] for i in ids], "amount": [i * 7 + bump for i in ids]})


def run(lake: lk.Lake, **kwargs: object) -> lk.TransformResult:
    return lake.transform("out.inc", SQL, incremental=True, keys=["id"], **kwargs)  # type: ignore[arg-type]


def assert_equals_full_refresh(lake: lk.Lake) -> None:
    by_id = sorted(lake.read("out.inc").to_pylist(), key=lambda r: r["id"])
    assert by_id == sorted(lake.sql(SQL, dialect="snowflake").to_pylist(), key=lambda r: r["id"])


def test_appends_are_read_incrementally_and_recorded_with_both_versions(tmp_path: Path) -> None:
    lake = new_lake(tmp_path / "lake")
    first = run(lake)
    assert first.reason.startswith("first run") and first.previous_inputs is None
    write_deltalake(lake._storage.uri("src.events"), events(range(5, 8)), mode="append")
    write_deltalake(lake._storage.uri("src.events"), events(range(8, 10)), mode="append")
    second = run(lake)
    assert second.reason.startswith("incremental") and second.previous_inputs == {"src.events": 0, "src.people": 0}
    assert second.inputs == {"src.events": 2, "src.people": 0}
    assert second.rows == 3  # new rows only: ids 5..9 minus those the filter drops (6, 9)
    assert_equals_full_refresh(lake)
    assert run(lake).skipped

    provenance = lake.history("out.inc")[0].provenance
    assert provenance.previous_inputs == {"src.events": 0, "src.people": 0} and provenance.mode == "merge"
    indexed = {r["version"]: r for r in metadata.read(lake._storage, "transforms").to_pylist()}
    assert json.loads(indexed[1]["previous_inputs"]) == {"src.events": 0, "src.people": 0}
    assert indexed[0]["previous_inputs"] is None


def test_housekeeping_on_the_target_does_not_end_the_incremental_chain(tmp_path: Path) -> None:
    lake = new_lake(tmp_path / "lake")
    run(lake)
    target = DeltaTable(lake._storage.uri("out.inc"))
    target.alter.set_table_properties({"delta.logRetentionDuration": "interval 30 days"})
    target.alter.add_constraint({"positive": "doubled >= 0"})
    target.optimize.compact()
    write_deltalake(lake._storage.uri("src.events"), events(range(5, 8)), mode="append")
    after = run(lake)
    assert after.reason.startswith("incremental") and after.previous_inputs == {"src.events": 0, "src.people": 0}
    assert_equals_full_refresh(lake)


def test_upstream_merge_and_dimension_change_fall_back_to_a_full_refresh(tmp_path: Path) -> None:
    lake = new_lake(tmp_path / "lake")
    run(lake)
    DeltaTable(lake._storage.uri("src.events")).merge(
        events([1, 2, 40], bump=1), "t.id = s.id", source_alias="s", target_alias="t",
    ).when_matched_update_all().when_not_matched_insert_all().execute()
    merged = run(lake)
    assert merged.reason.startswith("full refresh") and "rewritten or removed" in merged.reason
    assert_equals_full_refresh(lake)
    write_deltalake(lake._storage.uri("src.people"), arrow.table({"user": ["c"], "country": ["it"]}), mode="append")
    dim = run(lake)
    assert "src.people" in dim.reason and "not read row by row" in dim.reason
    assert_equals_full_refresh(lake)
    again = run(lake, full_refresh=True)  # same inputs, but a full refresh always rebuilds
    assert not again.skipped and again.reason == "full refresh requested"
    assert_equals_full_refresh(lake)
    write_deltalake(lake._storage.uri("src.events"), events([50]), mode="append")
    assert run(lake, full_refresh=True).reason == "full refresh requested"
    assert_equals_full_refresh(lake)


Step = tuple[str, int]
steps = st.lists(st.tuples(st.sampled_from(["append", "append", "merge", "delete", "dimension"]),
                           st.integers(1, 4)), min_size=1, max_size=5)


@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_incremental_equals_full_refresh_after_any_upstream_history(history: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lake = new_lake(Path(tmp) / "lake")
        run(lake)
        fresh = itertools.count(100)
        table = lake._storage.uri("src.events")
        for kind, n in history:
            if kind == "append":
                write_deltalake(table, events([next(fresh) for _ in range(n)]), mode="append")
            elif kind == "merge":  # updates n existing rows and inserts one
                DeltaTable(table).merge(events([*range(n), next(fresh)], bump=n), "t.id = s.id", source_alias="s",
                                        target_alias="t").when_matched_update_all().when_not_matched_insert_all(
                                        ).execute()
            elif kind == "delete":
                DeltaTable(table).delete(f"id % 5 = {n}")
            else:  # a person moves (or appears): the dimension keeps one row per user
                DeltaTable(lake._storage.uri("src.people")).merge(
                    arrow.table({"user": [USERS[n % 4]], "country": [f"x{n}"]}), "t.user = s.user", source_alias="s",
                    target_alias="t").when_matched_update_all().when_not_matched_insert_all().execute()
            result = run(lake)
            assert kind != "append" or result.reason.startswith("incremental")
            assert_equals_full_refresh(lake)


@pytest.mark.parametrize("sql", [
    "SELECT user, count(*) AS n FROM src.events GROUP BY user",
    "SELECT DISTINCT id FROM src.events",
    "SELECT id, row_number() OVER (ORDER BY id) AS n FROM src.events",
    "SELECT id FROM src.events LIMIT 3",
    "SELECT e.id FROM src.events e FULL JOIN src.people p ON e.user = p.user",
    "SELECT id FROM src.events UNION SELECT id FROM src.events",
])
def test_an_incremental_query_must_be_row_wise(tmp_path: Path, sql: str) -> None:
    lake = new_lake(tmp_path / "lake")
    with pytest.raises(UsageError, match="row-wise"):
        lake.transform("out.agg", sql, incremental=True, keys=["id"])
    assert "out.agg" not in lake.tables()


def test_an_incremental_transform_needs_keys_and_a_query(tmp_path: Path) -> None:
    lake = new_lake(tmp_path / "lake")
    with pytest.raises(UsageError, match="keys"):
        lake.transform("out.x", "SELECT id FROM src.events", incremental=True)
    with pytest.raises(UsageError, match="query or CREATE TABLE AS"):
        lake.transform("out.x", "INSERT INTO out.x SELECT id FROM src.events", incremental=True, keys=["id"])


@pytest.mark.parametrize(("sql", "driving"), [
    ("SELECT * FROM raw.a a JOIN raw.b b USING (k)", {"raw.a"}),
    ("WITH x AS (SELECT * FROM raw.a) SELECT * FROM x", {"raw.a"}),
    ("WITH x AS (SELECT * FROM raw.a) SELECT * FROM x JOIN x AS y USING (k)", set()),
    ("SELECT * FROM raw.a WHERE k IN (SELECT k FROM raw.a)", set()),
    ("SELECT * FROM (SELECT * FROM raw.a UNION ALL SELECT * FROM raw.c) u JOIN raw.b USING (k)", {"raw.a", "raw.c"}),
])
def test_driving_tables(sql: str, driving: set[str]) -> None:
    assert driving_tables(sql, "duckdb") == driving
