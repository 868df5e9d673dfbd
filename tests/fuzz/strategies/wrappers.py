"""What surrounds a file: gzip and zstd (whole, corrupt, truncated, multi-member), empty files and
zero columns, and ``--format`` (right, wrong, unknown)."""

from __future__ import annotations

import gzip
import random

import zstandard
from hypothesis import strategies as st

from tests.fuzz.cases import Case, Step
from tests.fuzz.strategies.common import plain_names
from tests.fuzz.strategies.csvfiles import csv_cases
from tests.fuzz.strategies.jsonfiles import json_array_cases, ndjson_cases
from tests.fuzz.strategies.parquetfiles import parquet_cases

# ---------------------------------------------------------------------------------------------
# compression


@st.composite
def compressed_cases(draw: st.DrawFn) -> Case:
    inner = draw(st.one_of(csv_cases(), ndjson_cases(), json_array_cases(), parquet_cases()))
    (name, data), = inner.files.items()
    codec = draw(st.sampled_from(["gz", "zst"]))
    packed = gzip.compress(data) if codec == "gz" else zstandard.ZstdCompressor(write_checksum=True).compress(data)
    step = inner.steps[0]
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "plain", "other-codec", "trailing",
                                   "concat", "empty"]))
    expect, why, expected = step.expect, step.why, step.expected
    if damage == "truncate":
        packed = packed[: draw(st.integers(0, max(0, len(packed) - 1)))]
        expect, why, expected = "fail", "a truncated compressed stream", None
    elif damage == "flip":
        rnd = random.Random(draw(st.integers(0, 2**32)))
        buf = bytearray(packed)
        # a gzip header's time, flags and OS bytes (4-9) are not checked: flipping one damages nothing
        spared = range(4, 10) if codec == "gz" else range(0)
        buf[rnd.choice([i for i in range(len(buf)) if i not in spared])] ^= 0xFF
        packed, expect, why, expected = bytes(buf), "fail", "a corrupt compressed stream", None
    elif damage == "plain":
        packed, expect, why, expected = data, "fail", "not compressed at all", None
    elif damage == "other-codec":
        packed = zstandard.ZstdCompressor().compress(data) if codec == "gz" else gzip.compress(data)
        expect, why, expected = "fail", "the other codec", None
    elif damage == "trailing":
        packed, expect, why, expected = packed + b"\x00garbage", "fail", "garbage after the stream", None
    elif damage == "concat" and codec == "gz" and len(data) > 1:
        cut = len(data) // 2
        packed = gzip.compress(data[:cut]) + gzip.compress(data[cut:])  # valid: a multi-member gzip file
    elif damage == "empty":
        packed, expect, why, expected = b"", "fail", "an empty compressed file", None
    file = f"{name}.{codec}"
    step = Step(step.argv, [step.args[0], file], expect=expect, why=why, writes=True, table=step.table,
                expected=expected)
    return Case(f"{inner.label}.{codec}", [step], files={file: packed})


# ---------------------------------------------------------------------------------------------
# empty files, zero columns, --format


@st.composite
def empty_cases(draw: st.DrawFn) -> Case:
    ext = draw(st.sampled_from(["csv", "tsv", "json", "ndjson", "jsonl", "parquet"]))
    data = draw(st.sampled_from([b"", b"\n", b"\r\n", b" ", b"\n\n\n", b"\xef\xbb\xbf", b"[]", b"{}", b"\x00"]))
    table = f"fz.{draw(plain_names)}"
    header = ext in ("csv", "tsv") and data in (b"[]", b"{}")  # a one-column header, no rows
    return Case("empty", [Step(["ingest"], [table, f"in.{ext}"], expect="any" if header else "fail",
                               why="an empty file / no columns", writes=True, table=table)], files={f"in.{ext}": data})


FORMATS = ["csv", "json", "ndjson", "parquet"]


@st.composite
def format_cases(draw: st.DrawFn) -> Case:
    inner = draw(st.one_of(csv_cases(), ndjson_cases(), json_array_cases(), parquet_cases()))
    (name, data), = inner.files.items()
    actual = {"csv": "csv", "tsv": "csv", "json": "json", "ndjson": "ndjson", "jsonl": "ndjson",
              "parquet": "parquet"}[name.rsplit(".", 1)[1]]
    given = draw(st.one_of(st.sampled_from([*FORMATS, "xml", "CSV", "Parquet", "", " csv", "csv ", "avro", "jsonl",
                                            "tsv", "orc", "gz", "csv.gz", "delta", "../csv"]),
                           st.text(max_size=8).filter(lambda s: "\x00" not in s)))
    step = inner.steps[0]
    expect, why, expected = step.expect, step.why, step.expected
    if given.lower() not in FORMATS:
        expect, why, expected = "fail", "an unsupported --format", None
    elif given.lower() != actual:
        pairs_ok = {("ndjson", "json")}
        parquet = actual == "parquet" and data.startswith(b"PAR1")  # a shorter file is text like any other
        expect = "any" if (actual, given.lower()) in pairs_ok or (given.lower() == "csv" and not parquet) \
            else "fail"
        why, expected = f"{actual} content read as {given}", None
    new_name = draw(st.sampled_from([name, "in.dat", "in", "in.txt"]))
    step = Step(["ingest", "--format", given], [step.args[0], new_name], expect=expect, why=why, writes=True,
                table=step.table, expected=expected)
    return Case("format", [step], files={new_name: data})
