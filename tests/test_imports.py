"""What a process loads: reading a lake leaves pandera, polars and pandas unimported (together
~130 MB of a process's memory), and so do a transform and an ingest without a user's schema;
pandera and polars come in when a user's schema is actually checked, never for lakekit's own
index rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake

import lakekit as lk

HEAVY = ("pandera", "polars", "pandas")


def _loaded_after(code: str, root: Path) -> list[str]:
    """The heavy modules a fresh interpreter holds after ``code`` (``lake`` is the open lake)."""
    script = (f"import json, sys\nimport lakekit\nlake = lakekit.Lake({str(root)!r})\n{code}\n"
              f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parents[1])
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_import_and_sql_leave_pandera_and_polars_out(tmp_path: Path) -> None:
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.events"), pa.table({"id": [1, 2, 3], "kind": ["a", "b", "a"]}))
    write_deltalake(lake._storage.uri("raw.events"), pa.table({"id": [4], "kind": ["c"]}), mode="append")
    assert _loaded_after("", tmp_path / "lake") == []
    assert _loaded_after("assert lake.sql('select 1 AS x').column('x').to_pylist() == [1]", tmp_path / "lake") == []
    query = ("rows = lake.sql('SELECT kind, count(*) AS n FROM raw.events VERSION AS OF 0 GROUP BY kind ORDER BY kind')"
             "\nassert rows.to_pylist() == [{'kind': 'a', 'n': 2}, {'kind': 'b', 'n': 1}]")
    assert _loaded_after(query, tmp_path / "lake") == []
    # a read goes through a pyarrow dataset, which imports pandas (pyarrow's doing), and no further
    assert _loaded_after("assert lake.read('raw.events').num_rows == 4", tmp_path / "lake") == ["pandas"]


def test_a_transform_and_an_ingest_without_a_schema_leave_pandera_polars_and_pandas_out(tmp_path: Path) -> None:
    """Their index rows are checked with pyarrow and made without pandas (:mod:`lakekit.core.values`),
    index tables are read without a pyarrow dataset: first runs and runs on existing tables alike."""
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.events"), pa.table({"id": [1, 2, 3], "kind": ["a", "b", "a"]}))
    (tmp_path / "in.csv").write_text("id,kind\n1,a\n2,b\n")
    transform = ("made = lake.transform('derived.kinds', 'SELECT kind, count(*) AS n FROM raw.events GROUP BY kind')"
                 "\nassert made.rows == 2, made")
    assert _loaded_after(transform, tmp_path / "lake") == []
    again = transform.replace("GROUP BY", "WHERE id > 1 GROUP BY")  # the target exists now: overwritten
    assert _loaded_after(again, tmp_path / "lake") == []
    ingest = f"loaded = lake.ingest('raw.loaded', {str(tmp_path / 'in.csv')!r})\nassert loaded.rows == 2, loaded"
    assert _loaded_after(ingest, tmp_path / "lake") == []
    (tmp_path / "in.csv").write_text("id,kind\n3,c\n")
    assert _loaded_after(ingest.replace("== 2", "== 1"), tmp_path / "lake") == []


def test_a_write_with_a_schema_still_checks_it(tmp_path: Path) -> None:
    """The other side: where a schema governs the table, its checks run (pandera is loaded)."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "events.py").write_text(
        "import pandera.polars as pa\n\n"
        "class Events(pa.DataFrameModel):\n"
        "    id: int = pa.Field(ge=0)\n\n"
        "    class Config:\n"
        "        name = 'raw.events'\n")
    (tmp_path / "events.csv").write_text("id\n1\n-1\n")
    code = (f"lake = lakekit.Lake(lake.root, schemas={str(schemas)!r})\n"
            f"result = lake.ingest('raw.events', {str(tmp_path / 'events.csv')!r})\n"
            "assert (result.rows, result.quarantined) == (1, 1), result")
    assert {"pandera", "polars"} <= set(_loaded_after(code, tmp_path / "lake"))
