"""Hostile SQL over a lake with versions, merges, erasures, schema evolution and nested columns."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import strategies as s
from tests.fuzz.budget import fuzz_settings


@fuzz_settings
@given(case=s.sql_cases())
def test_sql(fuzz, case) -> None:
    fuzz.check(case)
