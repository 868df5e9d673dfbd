"""A project whose ``lakekit.toml`` names Spark as its engine: ``lakekit run-transforms`` and
``lakekit sql`` run there with no option (the CLI in its own process, on the session the file
names), the committed table records the engine, an unchanged re-run is skipped, and
``--engine duckdb`` on one call wins over the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.index.provenance import TransformProvenance
from tests.spark.test_cluster import _cli


def test_the_engine_of_lakekit_toml_runs_the_projects_transforms_and_queries(tmp_path: Path, spark: Any) -> None:
    (tmp_path / "lakekit.toml").write_text('lake = "lake"\ntransforms = "transforms"\ndialect = "duckdb"\n'
                                           'engine = "spark"\nspark = "local[1]"\n')
    (tmp_path / "transforms").mkdir()
    (tmp_path / "transforms" / "marts.totals.sql").write_text("SELECT k, SUM(v) AS total FROM raw.a GROUP BY k\n")
    lake = Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.a"), pa.table({"k": ["x", "y", "x"], "v": pa.array([1, 2, 3], pa.int64())}))
    _cli("run-transforms", cwd=tmp_path)
    assert sorted(lake.read("marts.totals").to_pylist(), key=lambda r: r["k"]) == [{"k": "x", "total": 4},
                                                                                 {"k": "y", "total": 2}]
    made = lake.history("marts.totals")[0].provenance
    assert isinstance(made, TransformProvenance) and (made.engine or "").startswith("spark 4")
    out = json.loads(_cli("--json", "run-transforms", cwd=tmp_path))
    assert len(lake.history("marts.totals")) == 1 and "unchanged" in json.dumps(out)
    assert json.loads(_cli("--json", "sql", "SELECT COUNT(*) AS n FROM marts.totals", cwd=tmp_path)) == [{"n": 2}]
    _cli("run-transforms", "--full-refresh", "--engine", "duckdb", cwd=tmp_path)
    made = lake.history("marts.totals")[0].provenance
    assert isinstance(made, TransformProvenance) and (made.engine or "").startswith("duckdb ")
