"""How Spark's files become a version: committed as Spark wrote them (no rewrite), statistics from
their footers and never of personal data, no ``_SUCCESS`` marker or ``.crc`` checksum left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import write_deltalake

import lakekit as lk


def test_spark_files_are_committed_as_written_with_footer_statistics_but_not_of_personal_data(
        tmp_path: Path, spark: Any) -> None:
    lake = lk.Lake(tmp_path / "lake", spark=spark, engine="spark")
    people = pa.table({"id": pa.array([3, 1, 2], pa.int64()), "email": ["c@x.org", "a@x.org", "b@x.org"],
                       "score": [0.5, 1.5, None]})
    write_deltalake(lake._storage.uri("raw.people"), people,
                    configuration={"delta.dataSkippingStatsColumns": "id,score"})  # email: personal
    done = lake.transform("clean.people", "SELECT id, lower(email) AS email, score FROM raw.people", dialect="duckdb")
    folder = Path(lake._storage.uri("clean.people"))
    assert not [p for p in folder.rglob("*") if p.name == "_SUCCESS" or p.name.endswith(".crc")]
    actions = pa.table(lake._storage.open("clean.people").get_add_actions(flatten=False)).to_pylist()
    assert sum(a["num_records"] for a in actions) == done.rows == 3
    for action in actions:
        path = folder / action["path"]
        assert path.parent.name.startswith("staged-")  # where Spark wrote it: never moved, never rewritten
        assert pq.read_metadata(path).created_by.startswith("parquet-mr")
        assert (action["min"] or {}).get("email") is None and (action["max"] or {}).get("email") is None
    written = [a for a in actions if a["num_records"]]
    assert min(a["min"]["id"] for a in written) == 1 and max(a["max"]["id"] for a in written) == 3
    config = lake._storage.open("clean.people").metadata().configuration
    assert config.get("delta.dataSkippingStatsColumns") == "id,score"
    assert sorted(lake.read("clean.people").column("email").to_pylist()) == ["a@x.org", "b@x.org", "c@x.org"]
