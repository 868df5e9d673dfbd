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


def test_vacuum_removes_a_first_write_into_a_new_table_that_never_committed(lake: lk.Lake, tmp_path: Path) -> None:
    """A first write killed before its commit leaves a table folder with no Delta log: a vacuum of
    the lake removes its staged folder once it is older than the retention, not before."""
    (tmp_path / "a.csv").write_text("id\n1\n")
    lake.ingest("raw.t", str(tmp_path / "a.csv"))
    unborn = Path(lake._storage.root) / "marts" / "new" / f"{staged.PREFIX}killed"
    write_deltalake(str(unborn), pa.table({"id": [3]}))
    (unborn / "_SUCCESS").write_text("")
    lake.vacuum(retention_hours=1)
    assert (unborn / "_SUCCESS").exists(), "younger than the retention: kept"
    lake.vacuum(retention_hours=0)
    assert not unborn.exists()
    assert "marts.new" not in lake.tables() and lake.read("raw.t").num_rows == 1
