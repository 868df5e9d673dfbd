"""A write killed between staging its files and committing them leaves nothing after a vacuum."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake

import lakekit as lk
from lakekit.storage import staged


def test_vacuum_removes_a_staged_write_that_never_committed(lake: lk.Lake, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n2\n")
    lake.ingest("raw.t", str(tmp_path / "a.csv"))
    table = Path(lake._storage.root) / "raw" / "t"
    committed = set(table.rglob("*.parquet"))
    left = table / f"{staged.PREFIX}killed"  # as a load killed while staging leaves it
    write_deltalake(str(left), pa.table({"id": [3], "_load_id": ["x"]}))
    assert lake.read("raw.t").num_rows == 2
    lake.vacuum("raw.t", retention_hours=0)
    assert set(table.rglob("*.parquet")) == committed
    assert not (left / "_delta_log").exists()
    assert lake.read("raw.t").num_rows == 2
