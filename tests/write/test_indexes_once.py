"""An index append ``once_by`` a key: the rows of a key appended before are dropped, all rows of a new key kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakekit import Lake
from lakekit.index import metadata
from lakekit.write import indexes

ROW = {"source_table": "a.b", "source_version": 0, "source_column": "x", "target_table": "c.d",
       "target_version": 0, "kind": "direct", "subtype": "identity"}


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.sampled_from(["t-1", "t-2", "t-3"]), min_size=1, max_size=5),
                        min_size=1, max_size=4))
def test_an_append_keeps_every_row_of_a_new_key_and_none_of_a_known_one(
        tmp_path_factory: pytest.TempPathFactory, batches: list[list[str]]) -> None:
    storage = Lake(Path(tmp_path_factory.mktemp("lake")))._storage
    expected: list[tuple[str, str]] = []
    seen: set[str] = set()
    for n, keys in enumerate(batches):
        rows = [{**ROW, "transform_id": key, "target_column": f"c{n}_{i}"} for i, key in enumerate(keys)]
        indexes.append(storage, "lineage", metadata.rows("lineage", rows), once_by="transform_id")
        expected += [(r["transform_id"], r["target_column"]) for r in rows if r["transform_id"] not in seen]
        seen |= set(keys)
    held = metadata.read(storage, "lineage")
    assert sorted(zip(held.column("transform_id").to_pylist(), held.column("target_column").to_pylist(),
                      strict=True)) == sorted(expected)
