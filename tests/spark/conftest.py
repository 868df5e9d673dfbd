"""Spark's tests (``make test-spark``): one local[2] session for the whole run, bound to 127.0.0.1
without its web UI, and what compares a Spark result with DuckDB's."""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

TOLERANCE = 1e-9
"""Relative tolerance of float comparisons: the engines may sum in another order."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make test-spark` installs Debian's openjdk-17-jre-headless")
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark missing: `make test-spark` installs it")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (pyspark_sql.SparkSession.builder.master("local[2]").appName("lakekit-tests")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def assert_same_rows(a: pa.Table, b: pa.Table, what: str) -> None:
    """The same Arrow schema (field names, types, nullability; metadata aside) and the same rows in
    any order, floats to :data:`TOLERANCE`."""
    assert a.schema.remove_metadata() == b.schema.remove_metadata(), \
        f"{what}: schemas differ\n{a.schema}\n---\n{b.schema}"
    assert a.num_rows == b.num_rows, f"{what}: {a.num_rows} rows on DuckDB, {b.num_rows} on Spark"
    left, right = sorted(map(_key, a.to_pylist())), sorted(map(_key, b.to_pylist()))
    for x, y in zip(left, right, strict=True):
        assert _close(x, y), f"{what}: {x} != {y}"


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row as a sortable tuple: (set, value to order by, value), None first, floats ordered rounded."""
    return tuple((v is not None, round(v, 6) if isinstance(v, float) else v, v) for v in row.values())


def _close(x: tuple[Any, ...], y: tuple[Any, ...]) -> bool:
    return all(a[2] == b[2] or (isinstance(a[2], float) and isinstance(b[2], float)
                                and math.isclose(a[2], b[2], rel_tol=TOLERANCE, abs_tol=TOLERANCE))
               for a, b in zip(x, y, strict=True))
