"""Merge keys are checked before the first merge commits: they must be columns of every source and
of the table, set, and unique in the incoming rows (a repeated key would be inserted twice, or fail
inside delta-rs with a multi-line error)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import UsageError

SECRET = "zz-secret-42"


def _state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def _csv(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_a_merge_that_creates_the_table_checks_its_keys(lake: lk.Lake, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "id,v\n1,x\n")
    with pytest.raises(UsageError, match=r"merge key 'nosuch' is not a column of .*a\.csv"):
        lake.ingest("t.k", a, mode="merge", keys=["nosuch"])
    assert lake.tables() == []
    result = CliRunner().invoke(app, ["ingest", "--lake", lake.root, "--mode", "merge", "--key", "nosuch", "t.k", a])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert lake.tables() == []


@pytest.mark.parametrize(("text", "message"), [
    (f"id,v\n1,{SECRET}\n1,y\n", r"merge keys \(id\) repeat in the incoming rows of 't\.\w+' \(rows 1, 2\)"),
    (f"id,v\n,{SECRET}\n2,y\n", r"merge key 'id' is empty in 1 incoming row\(s\)"),
])
def test_repeated_or_empty_keys_are_refused_before_anything_is_written(lake: lk.Lake, tmp_path: Path, text: str,
                                                                      message: str) -> None:
    lake.ingest("t.k", _csv(tmp_path / "a.csv", "id,v\n1,x\n"))
    bad = _csv(tmp_path / "b.csv", text)
    for table in ("t.k", "t.new"):
        before = _state(Path(lake.storage.root))
        with pytest.raises(UsageError, match=message) as caught:
            lake.ingest(table, bad, mode="merge", keys=["id"])
        assert SECRET not in str(caught.value)
        assert _state(Path(lake.storage.root)) == before


def test_keys_repeated_across_files_and_missing_from_the_table(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("t.k", _csv(tmp_path / "a.csv", "id,v\n1,x\n"))
    b, c = _csv(tmp_path / "b.csv", "id,v\n2,y\n"), _csv(tmp_path / "c.csv", "id,v\n2,z\n")
    with pytest.raises(UsageError, match="repeat"):
        lake.ingest("t.k", [b, c], mode="merge", keys=["id"])
    d = _csv(tmp_path / "d.csv", "id,v,w\n3,y,1\n")
    with pytest.raises(UsageError, match=r"merge key 'w' is not a column of 't\.k'"):
        lake.ingest("t.k", d, mode="merge", keys=["w"])
    assert lake.read("t.k").num_rows == 1
    lake.ingest("t.k", [b, d], mode="merge", keys=["id"])
    assert sorted(lake.read("t.k").column("id").to_pylist()) == [1, 2, 3]


def test_transforms_and_runs_check_merge_keys_too(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("t.src", _csv(tmp_path / "a.csv", "id,v\n1,x\n1,y\n2,z\n"))
    lake.transform("t.dst", "SELECT id, max(v) AS v FROM t.src GROUP BY id", dialect="duckdb")
    with pytest.raises(UsageError, match="repeat"):
        lake.transform("t.dst", "MERGE INTO t.dst t USING t.src s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * "
                       "WHEN NOT MATCHED THEN INSERT *", dialect="duckdb")
    with lake.start_run("r") as run, pytest.raises(UsageError, match="repeat"):
        run.write("t.dst", pa.table({"id": [5, 5], "v": ["a", "b"]}), mode="merge", keys=["id"])
    assert lake.read("t.dst").num_rows == 2
