"""Hypothesis strategies for hostile lakekit inputs; each draws a whole :class:`~tests.fuzz.cases.Case`.

Files are generated from a model (header, cells, quoting, encoding...) so the harness knows what a
successful ingest must hold (:class:`~tests.fuzz.cases.Expected`) and which inputs must be refused
(duplicate or control-character headers, ragged rows, non-objects in NDJSON, corrupt bytes...).
The planted :data:`~tests.fuzz.cases.MARKER` goes into values only, never into names.
"""

from tests.fuzz.strategies.csvfiles import csv_cases
from tests.fuzz.strategies.jsonfiles import json_array_cases, ndjson_cases
from tests.fuzz.strategies.options import name_cases, option_cases
from tests.fuzz.strategies.parquetfiles import parquet_cases
from tests.fuzz.strategies.sql import sql_cases
from tests.fuzz.strategies.wrappers import compressed_cases, empty_cases, format_cases

__all__ = ["compressed_cases", "csv_cases", "empty_cases", "format_cases", "json_array_cases", "name_cases",
           "ndjson_cases", "option_cases", "parquet_cases", "sql_cases"]
