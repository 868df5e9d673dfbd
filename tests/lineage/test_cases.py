"""One test per construct: each ``cases/*.sql`` file with its exact expected edge set."""

from __future__ import annotations

import warnings

import pytest

from lakekit.lineage import column_lineage
from lakekit.lineage.parse import LineageWarning

from .conftest import CASES, load_case

CASE_FILES = sorted(CASES.glob("*.sql"))


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path):
    case = load_case(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = column_lineage(case.sql, dialect=case.dialect, schema=case.schema, target=case.target)
    said = [str(w.message) for w in caught if issubclass(w.category, LineageWarning)]
    if case.warns:
        assert len(said) == 1 and case.warns in said[0], said
    else:
        assert not said, said
    assert got == sorted(got), "edges come out sorted"
    assert len(got) == len(set(got)), "no duplicate edges"
    missing = case.expected - set(got)
    extra = set(got) - case.expected
    assert not missing and not extra, f"missing: {sorted(missing)}\nextra: {sorted(extra)}"


def test_cases_cover_required_dialects():
    dialects = {load_case(p).dialect for p in CASE_FILES}
    assert {"snowflake", "bigquery", "spark", "databricks", "duckdb", "postgres"} <= dialects
