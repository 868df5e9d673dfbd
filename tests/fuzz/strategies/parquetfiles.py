"""Parquet files of every Arrow type (views, large types, dictionaries, nested, unsigned, zoned
timestamps), some corrupted on purpose."""

from __future__ import annotations

import io
import random
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.cases import MARKER, Case, Expected, Step
from tests.fuzz.strategies.common import header_problem, hostile_names, plain_names

# ---------------------------------------------------------------------------------------------
# Parquet


def _arrow_columns(draw: st.DrawFn, n: int) -> tuple[Any, str]:
    """(pyarrow table with ``n`` rows of random typed columns, 'ok' or 'any')."""
    import datetime as dt
    import decimal

    import pyarrow as pa

    count = draw(st.integers(0, 4))
    names = [draw(hostile_names()) if draw(st.integers(0, 3)) == 0 else f"c{i}" for i in range(count)]
    arrays, expect = [], "ok"
    for _ in names:
        kind = draw(st.sampled_from([
            "int64", "int32", "uint64", "uint32", "float64", "float32", "bool", "string", "large_string",
            "string_view", "binary", "large_binary", "binary_view", "fixed_binary", "dict", "date32", "date64",
            "ts_s", "ts_ns", "ts_tz", "time64", "duration", "decimal", "decimal256", "list", "large_list",
            "fixed_list", "struct", "map", "null", "float16", "empty_struct"]))
        nulls = [draw(st.integers(0, 4)) == 0 for _ in range(n)]

        def vals(gen: Any, nulls: list[bool] = nulls) -> list[Any]:
            return [None if z else gen(i) for i, z in enumerate(nulls)]

        t: Any
        if kind in ("int64", "int32"):
            t = getattr(pa, kind)()
            data = vals(lambda i: i * 7 - 3)
        elif kind in ("uint64", "uint32"):
            t = getattr(pa, kind)()
            big = (2**64 - 1) if kind == "uint64" else (2**32 - 1)
            data = vals(lambda i, big=big: big if i == 0 else i)
            expect = "any"
        elif kind in ("float64", "float32"):
            t = getattr(pa, kind)()
            data = vals(lambda i: [1.5, float("nan"), float("inf"), -0.0][i % 4])
        elif kind == "bool":
            t, data = pa.bool_(), vals(lambda i: i % 2 == 0)
        elif kind in ("string", "large_string", "string_view"):
            t = getattr(pa, kind)()
            data = vals(lambda i: f"{MARKER}-{i}")
            expect = expect if kind == "string" else "any"
        elif kind in ("binary", "large_binary", "binary_view"):
            t = getattr(pa, kind)()
            data = vals(lambda i: bytes([i % 256, 0, 255]))
            expect = "any"
        elif kind == "fixed_binary":
            t, data, expect = pa.binary(3), vals(lambda i: b"\x00\x01\x02"), "any"
        elif kind == "dict":
            t, data, expect = pa.dictionary(pa.int32(), pa.string()), vals(lambda i: f"{MARKER}-{i % 2}"), "any"
        elif kind == "date32":
            t, data = pa.date32(), vals(lambda i: dt.date(2024, 1, 1 + i % 28))
        elif kind == "date64":
            t, data, expect = pa.date64(), vals(lambda i: dt.date(1, 1, 1) if i == 0 else dt.date(9999, 12, 31)), "any"
        elif kind == "ts_s":
            t, data = pa.timestamp("s"), vals(lambda i: dt.datetime(2024, 1, 1, 0, 0, i % 60))
        elif kind == "ts_ns":
            t, data, expect = pa.timestamp("ns"), vals(lambda i: 1_700_000_000_123_456_789 + i), "any"
        elif kind == "ts_tz":
            t, data = pa.timestamp("us", tz="Europe/Helsinki"), vals(lambda i: 1_700_000_000_000_000 + i)
            expect = "any"
        elif kind == "time64":
            t, data, expect = pa.time64("us"), vals(lambda i: i), "any"
        elif kind == "duration":
            t, data, expect = pa.duration("s"), vals(lambda i: i), "any"
        elif kind in ("decimal", "decimal256"):
            t = pa.decimal128(38, 10) if kind == "decimal" else pa.decimal256(76, 10)
            data, expect = vals(lambda i: decimal.Decimal("1234567890123456789012345678.0123456789")), "any"
        elif kind in ("list", "large_list", "fixed_list"):
            t = {"list": pa.list_(pa.int64()), "large_list": pa.large_list(pa.int64()),
                 "fixed_list": pa.list_(pa.int64(), 2)}[kind]
            data, expect = vals(lambda i: [i, i + 1]), expect if kind == "list" else "any"
        elif kind == "struct":
            t = pa.struct([("k", pa.string()), ("n", pa.int64())])
            data = vals(lambda i: {"k": f"{MARKER}", "n": i})
        elif kind == "map":
            t, data, expect = pa.map_(pa.string(), pa.int64()), vals(lambda i: [("a", i)]), "any"
        elif kind == "float16":
            t, data, expect = pa.float16(), None, "any"
        elif kind == "empty_struct":
            t, data, expect = pa.struct([]), vals(lambda i: {}), "any"
        else:
            t, data, expect = pa.null(), [None] * n, "any"
        if kind == "float16":  # no numpy needed: the half floats' bytes
            import struct

            arrays.append(pa.Array.from_buffers(t, n, [None, pa.py_buffer(struct.pack(f"<{n}e", *[1.5] * n))]))
        else:
            arrays.append(pa.array(data, type=t))
    return pa.Table.from_arrays(arrays, names=names) if names else pa.table({}), expect


@st.composite
def parquet_cases(draw: st.DrawFn) -> Case:
    import pyarrow.parquet as pq

    n = draw(st.integers(0, 5))
    table, expect = _arrow_columns(draw, n)
    why = "a valid Parquet file"
    buf = io.BytesIO()
    try:
        pq.write_table(table, buf, compression=draw(st.sampled_from(["snappy", "gzip", "zstd", "none"])),
                       row_group_size=draw(st.sampled_from([1, 2, 1024])))
        data = buf.getvalue()
    except Exception:
        data, expect, why = b"PAR1" + b"\x00" * 8 + b"PAR1", "fail", "not a Parquet file"
    problem = header_problem(table.column_names)
    if problem and expect != "fail":
        expect, why = "fail", problem
    corrupt = draw(st.sampled_from(["none"] * 5 + ["truncate", "flip", "footer", "magic", "empty", "garbage"]))
    if corrupt == "truncate":
        data, expect, why = data[: draw(st.integers(0, max(0, len(data) - 1)))], "fail", "a truncated Parquet file"
    elif corrupt == "flip":
        rnd = random.Random(draw(st.integers(0, 2**32)))
        buf2 = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            buf2[rnd.randrange(len(buf2))] ^= 1 << rnd.randrange(8)
        data, expect, why = bytes(buf2), "any", "flipped bits (Parquet has no checksum by default)"
    elif corrupt == "footer":
        data, expect, why = data[:-8] + (2**31 - 1).to_bytes(4, "little") + b"PAR1", "fail", "a corrupt footer"
    elif corrupt == "magic":
        data, expect, why = b"PAR1PAR1", "fail", "only magic bytes"
    elif corrupt == "empty":
        data, expect, why = b"", "fail", "an empty file"
    elif corrupt == "garbage":
        data, expect, why = bytes(draw(st.binary(min_size=1, max_size=64))) + b"PAR1", "fail", "not Parquet"
    if table.num_columns == 0 and expect != "fail":
        expect, why = "fail", "no columns"
    expected = None
    if corrupt == "none" and expect != "fail":
        expected = Expected(rows=table.num_rows, columns=table.column_names,
                            nonnull={c: table.num_rows - table.column(c).null_count for c in table.column_names
                                     if str(table.column(c).type) != "null"})
    tname = f"fz.{draw(plain_names)}"
    return Case("parquet", [Step(["ingest"], [tname, "in.parquet"], expect=expect, why=why, writes=True, table=tname,
                                 expected=expected)], files={"in.parquet": data})
