"""What the transform kill tests share (DuckDB's in ``test_transform_crash`` and, for UPDATE /
DELETE, ``test_in_place_crash``; Spark's in ``tests/spark/test_crash``): the source rows, the
transform, a child process running it that a test kills (``CHILD``: DuckDB's), and the check that
the target stays readable at its last version and a re-run lands once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit import Lake
from lakekit.index import metadata

SQL = "SELECT id, amount * 2 AS doubled, upper(name) AS name FROM src.big WHERE amount % 2 = 0"

def arm(point: str) -> None:
    """In a child process: make it kill itself at ``point``: while the query's batches stream
    (``stream``), instead of committing staged files (``commit``), or right before the
    ``_lakekit/transforms`` row (``index``); ``none`` leaves it to be killed from outside."""
    import lakekit.storage.staged
    import lakekit.transform.query
    import lakekit.write.indexes

    def die(*_: object, **__: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "stream":
        execute = lakekit.transform.query.execute

        def dying(*args: Any, **kwargs: Any) -> pa.RecordBatchReader:
            reader = execute(*args, **kwargs)

            def batches() -> Iterator[pa.RecordBatch]:
                for i, batch in enumerate(reader):
                    if i == 2:
                        die()
                    yield batch
            return pa.RecordBatchReader.from_batches(reader.schema, batches())
        lakekit.transform.query.execute = dying
    elif point == "commit":
        lakekit.storage.staged.commit = die
    elif point == "index":
        append = lakekit.write.indexes.append

        def dying_append(storage: Any, name: str, table: pa.Table, **kwargs: Any) -> None:
            if name == "transforms":
                die()
            append(storage, name, table, **kwargs)
        lakekit.write.indexes.append = dying_append


CHILD = r"""
import json, sys
from lakekit import Lake
from tests.transform.killed import arm

spec = json.loads(sys.argv[1])
arm(spec["point"])
lake = Lake(spec["root"])
print("start", flush=True)
print(json.dumps(lake.transform(spec["target"], spec["sql"]).asdict()["version"]), flush=True)
"""
"""DuckDB's child: runs the transform of the spec, killed at the spec's point (:func:`arm`)."""


def rows(start: int, n: int) -> pa.Table:
    ids = pa.array(range(start, start + n), pa.int64())
    return pa.table({"id": ids, "amount": pc.bit_wise_and(ids, 15),
                     "name": pc.binary_join_element_wise("user-", pc.cast(ids, pa.string()), "")})


def start(lake: Lake, point: str, child_code: str, sql: str = SQL, target: str = "out.big") -> subprocess.Popen:
    """``child_code`` run with ``{"root", "sql", "target", "point"}`` as its argument, once it says "start"."""
    spec = {"root": lake.root, "sql": sql, "target": target, "point": point}
    child = subprocess.Popen([sys.executable, "-c", child_code, json.dumps(spec)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])  # imports tests.
    assert child.stdout is not None and child.stdout.readline().strip() == "start", child.communicate()
    return child


def killed_at(lake: Lake, point: str, child_code: str, seconds: float, sql: str = SQL,
              target: str = "out.big") -> None:
    """Run ``child_code`` (:func:`start`) until it kills itself at ``point``, within ``seconds``."""
    child = start(lake, point, child_code, sql, target)
    _, err = child.communicate(timeout=seconds)
    assert child.returncode == -signal.SIGKILL, err


def kill_when_it_appears(child: subprocess.Popen, folder: Path, appeared: Callable[[str], bool],
                         seconds: float) -> None:
    """SIGKILL ``child`` as soon as a new entry of ``folder`` is one ``appeared`` looks for."""
    before = set(os.listdir(folder))
    deadline = time.monotonic() + seconds
    while not any(appeared(n) for n in set(os.listdir(folder)) - before):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.0005)
    child.send_signal(signal.SIGKILL)


def expected(lake: Lake, version: int) -> int:
    """Rows of the transform over ``src.big`` at ``version`` (DuckDB counts them)."""
    return lake.sql(f"SELECT count(*) AS n FROM ({SQL.replace('src.big', f'src.big VERSION AS OF {version}')})",
                    dialect="databricks", engine="duckdb").column("n")[0].as_py()


def assert_consistent_then_rerun_once(lake: Lake) -> None:
    versions = sorted(h.version for h in lake.history("out.big"))
    assert versions in ([0], [0, 1])
    committed = versions == [0, 1]
    assert lake.read("out.big").num_rows == expected(lake, 1 if committed else 0)
    assert lake.read("out.big", version=0).num_rows == expected(lake, 0)

    again = lake.transform("out.big", SQL, dialect="duckdb")
    assert (again.version, again.skipped) == (1, committed)
    assert lake.transform("out.big", SQL, dialect="duckdb").skipped
    assert sorted(h.version for h in lake.history("out.big")) == [0, 1]
    out = lake.read("out.big")
    assert out.num_rows == expected(lake, 1) == pc.count_distinct(out.column("id")).as_py()
    lake.lineage.upstream("out.big")  # reading the lineage heals its index from the table's own commits
    indexed = metadata.read(lake._storage, "transforms").column("version").to_pylist()
    assert indexed.count(0) == 1 and indexed.count(1) == 1
