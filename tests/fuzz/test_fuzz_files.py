"""Hostile source files: CSV, JSON, NDJSON, Parquet, compressed, empty, with a wrong --format."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import strategies as s
from tests.fuzz.budget import fuzz_settings


@fuzz_settings
@given(case=s.csv_cases())
def test_csv(fuzz, case) -> None:
    fuzz.check(case)


@fuzz_settings
@given(case=s.ndjson_cases())
def test_ndjson(fuzz, case) -> None:
    fuzz.check(case)


@fuzz_settings
@given(case=s.json_array_cases())
def test_json_array(fuzz, case) -> None:
    fuzz.check(case)


@fuzz_settings
@given(case=s.parquet_cases())
def test_parquet(fuzz, case) -> None:
    fuzz.check(case)


@fuzz_settings
@given(case=s.compressed_cases())
def test_compressed(fuzz, case) -> None:
    fuzz.check(case)


@fuzz_settings
@given(case=s.empty_cases())
def test_empty(fuzz, case) -> None:
    fuzz.check(case)


@fuzz_settings
@given(case=s.format_cases())
def test_format_option(fuzz, case) -> None:
    fuzz.check(case)
