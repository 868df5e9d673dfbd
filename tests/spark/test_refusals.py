"""What Spark cannot do faithfully is refused with one clear error naming the table or the
construct, and the lake is left as it was: no new version, no staged file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

import lakekit as lk
from lakekit.errors import EngineUnavailable, SqlError, UnsupportedTable, UsageError
from tests.storage.test_engine import _delete_through_deletion_vector, _turn_on_column_mapping


@pytest.fixture
def lake(tmp_path: Path, spark: Any) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake", spark=spark, engine="spark")
    write_deltalake(lake._storage.uri("raw.a"), pa.table({"id": pa.array([1, 2, 3], pa.int64()), "s": ["x", "y", "z"]}))
    lake.transform("out.a", "SELECT * FROM raw.a", dialect="duckdb")
    return lake


def _unchanged(lake: lk.Lake) -> None:
    assert [h.version for h in lake.history("out.a")] == [0]
    folder = Path(lake._storage.uri("out.a"))
    referenced = {Path(u).relative_to(folder).parts[0] for u in lake._storage.open("out.a").file_uris()}
    assert {p.name for p in folder.iterdir() if p.name.startswith("staged-")} <= referenced


def test_column_mapping_input_is_refused_naming_the_table(lake: lk.Lake) -> None:
    _turn_on_column_mapping(lake._storage.uri("raw.a"))
    with pytest.raises(UnsupportedTable, match=r"'raw\.a' uses column mapping"):
        lake.transform("out.a", "SELECT * FROM raw.a", dialect="duckdb")
    _unchanged(lake)


def test_sql_without_a_spark_translation_is_refused_naming_the_construct(lake: lk.Lake) -> None:
    with pytest.raises(SqlError, match=r"no Spark SQL translation: .*'count'.*ArgMax"):
        lake.transform("out.a", "SELECT arg_max(s, id, 2) AS top FROM raw.a", dialect="duckdb")
    _unchanged(lake)


def test_a_spark_job_that_fails_leaves_no_version_and_no_staged_file(lake: lk.Lake) -> None:
    with pytest.raises(SqlError, match=r"Spark cannot run this duckdb SQL"):
        lake.transform("out.a", "SELECT id, CAST(s AS INTEGER) AS n FROM raw.a", dialect="duckdb")
    _unchanged(lake)


def test_sql_spark_cannot_analyse_is_one_error(lake: lk.Lake) -> None:
    asof = "SELECT a.id FROM raw.a a ASOF JOIN raw.a b ON a.id >= b.id"
    with pytest.raises(SqlError, match=r"Spark cannot run this duckdb SQL"):
        lake.sql(asof, dialect="duckdb")
    with pytest.raises(SqlError, match=r"Spark cannot run this duckdb SQL"):
        lake.transform("out.a", asof, dialect="duckdb")
    _unchanged(lake)


@pytest.mark.parametrize("url", ["sc://127.0.0.1:9", "spark://127.0.0.1:9"])
def test_an_unreachable_session_is_one_line_and_writes_nothing(lake: lk.Lake, url: str) -> None:
    lake.spark = url
    for attempt in (lambda: lake.sql("SELECT * FROM raw.a"),
                    lambda: lake.transform("out.a", "SELECT id FROM raw.a", dialect="duckdb")):
        with pytest.raises(EngineUnavailable, match=rf"^cannot reach Spark at {re.escape(url)}: ") as e:
            attempt()
        assert "\n" not in str(e.value)
    _unchanged(lake)


def test_without_pyspark_the_error_says_what_to_install(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "import lakekit as lk\n"
            f"lake = lk.Lake({str(tmp_path / 'lake')!r})\n"
            "try:\n"
            "    lake.sql('SELECT 1 AS x', engine='spark')\n"
            "except lk.EngineUnavailable as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "engine='spark' needs pyspark: pip install 'lakekit[spark]'"
    write_deltalake(str(tmp_path / "lake" / "raw" / "a"), pa.table({"id": [1]}))
    (tmp_path / "t.sql").write_text("SELECT * FROM raw.a\n")
    cli = ("import sys; sys.modules['pyspark'] = None; sys.argv[0] = 'lakekit'\n"
           "from lakekit.cli import main\n"
           "main()\n")
    done = subprocess.run([sys.executable, "-c", cli, "--lake", "lake", "transform", "out.a", "t.sql", "--engine",
                           "spark"], cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (1, "error: engine='spark' needs pyspark: pip install 'lakekit[spark]'\n")
    assert not (tmp_path / "lake" / "out").exists()


def test_snowflake_flatten_is_refused_on_spark_naming_the_construct(lake: lk.Lake) -> None:
    """lakekit rewrites FLATTEN for DuckDB only: on Spark it is a refusal, not Spark's own error."""
    with pytest.raises(SqlError, match=r"Snowflake FLATTEN is not supported on spark"):
        lake.transform("out.a", "SELECT f.value AS v FROM raw.a AS a, LATERAL FLATTEN(input => a.s) AS f",
                       dialect="snowflake")
    _unchanged(lake)


def test_deletion_vectors_are_refused_naming_the_table(lake: lk.Lake) -> None:
    _delete_through_deletion_vector(lake._storage.uri("raw.a"))
    with pytest.raises(UnsupportedTable, match=r"'raw\.a' has rows deleted through deletion vectors"):
        lake.transform("out.a", "SELECT * FROM raw.a", dialect="duckdb")
    _unchanged(lake)


def test_a_failing_job_in_the_cli_is_one_line_without_the_jvms_chatter(tmp_path: Path) -> None:
    """The CLI starts its own local session: the JVM's banner and the executors' Java stack traces
    go to a log file, and the error is one line."""
    lake = lk.Lake(tmp_path / "lake")
    write_deltalake(lake._storage.uri("raw.a"), pa.table({"s": ["x", "y"]}))
    done = subprocess.run([sys.executable, "-m", "lakekit", "--lake", str(tmp_path / "lake"), "sql",
                           "SELECT CAST(s AS INTEGER) AS n FROM raw.a", "--engine", "spark", "--dialect", "duckdb"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr[-2000:]


def test_update_and_delete_keep_working_and_update_from_is_refused(lake: lk.Lake) -> None:
    lake.transform("out.a", "DELETE FROM out.a WHERE id = 1", dialect="duckdb")  # delta-rs runs it
    lake.transform("out.a", "UPDATE out.a SET s = replace(s, 'z', 'Z') WHERE id > 2", dialect="duckdb")  # Spark's
    assert sorted(lake.read("out.a").to_pylist(), key=lambda r: r["id"]) == [{"id": 2, "s": "y"}, {"id": 3, "s": "Z"}]
    assert [h.operation for h in lake.history("out.a")][:2] == ["WRITE", "DELETE"]
    with pytest.raises(UsageError, match=r"UPDATE … FROM runs on DuckDB only"):
        lake.transform("out.a", "UPDATE out.a SET s = r.s FROM raw.a AS r WHERE out.a.id = r.id", dialect="postgres")
    assert len(lake.history("out.a")) == 3
