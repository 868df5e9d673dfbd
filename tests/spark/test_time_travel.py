"""Time travel on Spark: every form lakekit reads (Spark / Databricks ``VERSION AS OF`` and
``TIMESTAMP AS OF``, DuckDB's, Snowflake ``AT`` / ``BEFORE``, BigQuery ``FOR SYSTEM_TIME``) reads
exactly the version it names (a middle one, and one an overwrite made), as on DuckDB; two
versions of one table meet in one transform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import lakekit as lk
from lakekit.index.provenance import TransformProvenance
from tests.spark.conftest import assert_same_rows
from tests.transform.test_query import EXPECTED, FORMS, build_users, rows


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> tuple[lk.Lake, dict[int, datetime]]:
    """raw.users at four versions (appends, an overwrite) and each version's commit time."""
    base = tmp_path_factory.mktemp("spark-travel")
    lake, stamps = build_users(base / "lake", base / "src")
    lake.spark = spark
    return lake, stamps


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_time_travel_form_reads_that_version_on_spark(users: tuple[lk.Lake, dict[int, datetime]],
                                                            form: str, version: int) -> None:
    lake, stamps = users
    dialect, clause = FORMS[form]
    sql = f"SELECT * FROM {clause(version, stamps)}"
    on_spark = lake.sql(sql, dialect=dialect, engine="spark")
    assert rows(on_spark) == sorted(EXPECTED[version]) != rows(lake.read("raw.users"))
    assert_same_rows(lake.sql(sql, dialect=dialect), on_spark, form)


def test_two_versions_of_one_table_in_one_transform(users: tuple[lk.Lake, dict[int, datetime]]) -> None:
    lake, _ = users
    sql = ("SELECT u.id, v.name AS then_name, u.name AS now_name "
           "FROM raw.users VERSION AS OF 1 v JOIN raw.users u ON u.id = v.id")
    on_spark = lake.transform("marts.renamed_spark", sql, dialect="spark", engine="spark")
    on_duck = lake.transform("marts.renamed_duck", sql, dialect="spark")
    assert on_spark.inputs == on_duck.inputs and on_spark.rows == on_duck.rows == 2
    assert sorted(lake.read("marts.renamed_spark").to_pylist(), key=lambda r: r["id"]) == [
        {"id": 2, "then_name": "bob", "now_name": "bobby"}, {"id": 3, "then_name": "cy", "now_name": "cyrus"}]
    assert_same_rows(lake.read("marts.renamed_duck"), lake.read("marts.renamed_spark"), "two versions")
    made = lake.history("marts.renamed_spark")[0].provenance
    assert isinstance(made, TransformProvenance) and made.engine is not None and made.engine.startswith("spark ")

