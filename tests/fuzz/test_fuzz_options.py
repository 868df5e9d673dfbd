"""Hostile option values: versions, timestamps, limits, modes, merge keys, partitions, GDPR identifiers."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import strategies as s
from tests.fuzz.budget import fuzz_settings


@fuzz_settings
@given(case=s.option_cases())
def test_options(fuzz, case) -> None:
    fuzz.check(case)
