"""Hostile table names: refused in one line before anything is written, or usable everywhere."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import strategies as s
from tests.fuzz.budget import fuzz_settings


@fuzz_settings
@given(case=s.name_cases())
def test_table_names(fuzz, case) -> None:
    fuzz.check(case)
