"""How Spark's files become a version: committed as Spark wrote them (no rewrite), statistics from
their footers and never of personal data, no ``_SUCCESS`` marker or ``.crc`` checksum left; or,
when the audit sets rows aside, rewritten by delta-rs as on DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandera.polars as pdp
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import write_deltalake

import lakekit as lk
from tests.spark.conftest import assert_same_rows


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


class Spend(pdp.DataFrameModel):
    id: int = pdp.Field(unique=True)
    amount: int = pdp.Field(le=25)

    class Config:
        name = "out.spend"


def test_a_governed_target_is_validated_and_its_failing_rows_quarantined_as_on_duckdb(tmp_path: Path,
                                                                                     spark: Any) -> None:
    """Rows set aside: publish rewrites the kept rows through delta-rs and deletes Spark's files."""
    made = {}
    for engine in ("duckdb", "spark"):
        lake = lk.Lake(tmp_path / engine, spark=spark)
        write_deltalake(lake._storage.uri("src.events"), pa.table({"id": pa.array([1, 2, 3], pa.int64()),
                                                                   "amount": pa.array([10, 20, 30], pa.int64())}))
        done = lake.transform("out.spend", "SELECT id, amount FROM src.events", schema=Spend, dialect="duckdb",
                              engine=engine)
        assert (done.rows, done.quarantined) == (2, 1) and done.validation is not None and not done.validation.ok
        assert lake.history("out.spend")[0].validation == "invalid (1 failing check(s))"
        folder = Path(lake._storage.uri("out.spend"))
        files = {p for p in folder.rglob("*") if p.is_file() and "_delta_log" not in p.parts}
        assert files == {Path(u) for u in lake._storage.open("out.spend").file_uris()}  # nothing staged left
        made[engine] = (lake.read("out.spend"), lake.quarantine("out.spend").select(["id", "amount"]))
    assert_same_rows(made["duckdb"][0], made["spark"][0], "kept rows")
    assert made["spark"][1].to_pylist() == made["duckdb"][1].to_pylist() == [{"id": 3, "amount": 30}]
