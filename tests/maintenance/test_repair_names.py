"""``lakekit repair`` renames tables an older lakekit created under names the grammar refuses.

The damage is made as the old code made it: a commit carrying an ingest's provenance under a folder
whose name has a space (its loads row was refused after the commit), and an upper-case table whose
index rows name it in upper case."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import CommitProperties, write_deltalake
from typer.testing import CliRunner

from lakekit import Lake
from lakekit.cli import app
from lakekit.errors import InvalidTableName
from lakekit.index import metadata
from lakekit.storage.delta import Commit


def _old_ingest(root: Path, folder: str, load_id: str) -> None:
    provenance = {"operation": "ingest", "load_id": load_id, "job": "ingest old", "mode": "append",
                  "files": [{"uri": "in.csv", "size": 9, "checksum": f"sha256:{'0' * 64}"}], "metadata": {},
                  "lakekit_version": "0.0.1", "user": "u", "host": "h"}
    write_deltalake(str(root / folder), pa.table({"id": [1, 2], "_load_id": [load_id, load_id]}),
                    commit_properties=CommitProperties(custom_metadata={"lakekit": json.dumps(provenance)}))


def test_repair_renames_misnamed_tables_and_their_index_rows(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    root = Path(lake.storage.root)
    _old_ingest(root, "fz/a b", "L1")
    _old_ingest(root, "Demo/Upper", "L2")
    row = metadata.rows("loads", [{"table": "Demo.Upper", "load_id": "L2", "version": 0, "job": "j", "mode": "append",
                                   "files": [], "rows": 2, "quarantined": 0, "metadata": {},
                                   "lakekit_version": "0.0.1", "user": "u", "host": "h",
                                   "committed_at": pa.scalar(0, pa.timestamp("us", tz="UTC")).as_py()}])
    lake.storage.write("_lakekit.loads", row, mode="append", commit=Commit(transactions={"lakekit-loads:L2": 1}),
                       base=None)
    assert lake.tables() == []
    assert lake.storage.misnamed() == [("Demo", "Upper"), ("fz", "a b")]
    with pytest.raises(InvalidTableName, match="lower-case"):
        lake.read("Demo.Upper")

    report = lake.repair()
    assert report.renamed == ("'Demo.Upper' -> demo.upper", "'fz.a b' -> fz.a_b")
    assert report.loads == 1  # fz.a_b's load, whose row the old code never wrote
    assert lake.tables() == ["demo.upper", "fz.a_b"]
    assert lake.read("fz.a_b").num_rows == 2
    assert lake.loads("demo.upper").column("load_id").to_pylist() == ["L2"]
    assert lake.loads("fz.a_b").column("load_id").to_pylist() == ["L1"]
    assert set(metadata.read(lake.storage, "loads").column("table").to_pylist()) == {"demo.upper", "fz.a_b"}
    assert lake.sql("SELECT count(*) AS n FROM fz.a_b").column("n").to_pylist() == [2]

    again = lake.repair()
    assert (again.renamed, again.loads, again.misnamed) == ((), 0, ())


def test_repair_leaves_a_misnamed_table_whose_new_name_is_taken(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    _old_ingest(Path(lake.storage.root), "fz/a b", "L1")
    (tmp_path / "in.csv").write_text("id\n1\n")
    lake.ingest("fz.a_b", str(tmp_path / "in.csv"))

    result = CliRunner().invoke(app, ["repair", "--lake", str(tmp_path / "lake")])
    assert result.exit_code == 0, result.output
    assert "not renamed: 'fz/a b': 'fz.a_b' exists" in result.stdout
    assert lake.storage.misnamed() == [("fz", "a b")]
    assert lake.tables() == ["fz.a_b"]
