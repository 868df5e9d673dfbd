"""Hypothesis strategies for hostile lakekit inputs; each draws a whole :class:`~harness.Case`.

Files are generated from a model (header, cells, quoting, encoding...) so the harness knows
what a successful ingest must hold (:class:`~harness.Expected`) and which inputs must be
refused (duplicate or control-character headers, ragged rows, non-objects in NDJSON, corrupt
bytes...). The planted :data:`~harness.MARKER` goes into values only, never into names.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import string
from dataclasses import dataclass, field
from typing import Any

import zstandard
from hypothesis import strategies as st

from tests.fuzz.harness import FIXTURE_TABLES, MARKER, Case, Expected, Step

NULLS = ("", "NULL", "null")
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"

# ---------------------------------------------------------------------------------------------
# names (columns and tables)

plain_names = st.from_regex(r"\A[a-z][a-z0-9_]{0,7}\Z")
hostile_chars = st.sampled_from(
    [" ", "~", "*", "?", "@", ":", "#", ";", "%", "'", '"', "`", "\\", "[", "]", "(", ")", "{", "}", "$", "&",
     "!", "=", "+", ",", "-", "\t", "\n", "\r", "\x01", "\x1b", "\x7f", "\u202e", "\u200b", "\ufeff", "\u0301",
     "é", "ß", "İ", "ﬁ", "Ω", "日本", "😀", "．", "／", "..", "%2e", "%2f", "%00", "/"])


@st.composite
def hostile_names(draw: st.DrawFn) -> str:
    """A column or table-name part: usually plain, often with something hostile in it."""
    kind = draw(st.sampled_from(["plain", "plain", "hostile", "upper", "empty", "long", "digits", "reserved"]))
    if kind == "plain":
        return draw(plain_names)
    if kind == "upper":
        return draw(plain_names).upper() if draw(st.booleans()) else draw(plain_names).capitalize()
    if kind == "empty":
        return draw(st.sampled_from(["", " ", "  "]))
    if kind == "long":
        return draw(plain_names) * draw(st.sampled_from([40, 100, 300]))
    if kind == "digits":
        return draw(st.sampled_from(["1", "007", "1e5", "-1", "0x10", "true", "null", "NULL"]))
    if kind == "reserved":
        return draw(st.sampled_from(["_load_id", "_delta_log", "_lakekit", "__index_level_0__", "select", "from"]))
    base = draw(plain_names)
    at = draw(st.integers(0, len(base)))
    return base[:at] + draw(hostile_chars) + base[at:]


def header_problem(names: list[str]) -> str | None:
    """Why a header must be refused (issue 14: duplicate, empty or control-character names)."""
    if not names:
        return "no columns"
    if any(n.strip() == "" for n in names):
        return "an empty column name"
    if any(ch in CONTROL or ch in "\u202e\u200b\ufeff" for n in names for ch in n):
        return "a control character in a column name"
    if len({n for n in names}) != len(names):
        return "duplicate column names"
    if len({n.lower() for n in names}) != len(names):
        return "column names differing only in case (Delta and SQL fold case)"
    if "_load_id" in names:
        return "the reserved column _load_id"
    return None


# ---------------------------------------------------------------------------------------------
# cell values


@st.composite
def cell_values(draw: st.DrawFn, kind: str) -> str:
    """A CSV cell's text, of a column ``kind``."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(NULLS))
    if kind == "int":
        return str(draw(st.one_of(st.integers(-1000, 1000), st.integers(-(2**63), 2**63 - 1),
                                  st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**20, 99999999999999999999, 10**40])))
                   )
    if kind == "float":
        return draw(st.sampled_from(["1.5", "-0.0", "1e300", "1e-300", "nan", "inf", "-inf", "1e400", "0.1",
                                     "3.141592653589793238462643383279"]))
    if kind == "bool":
        return draw(st.sampled_from(["true", "false", "True", "FALSE", "1", "0"]))
    if kind == "date":
        return draw(st.sampled_from(["2024-01-01", "1970-01-01", "0001-01-01", "9999-12-31", "2024-02-30",
                                     "2024-01-01T10:00:00", "2024-01-01 10:00:00+14:00", "2024-01-01T00:00:00Z",
                                     "1677-09-21T00:12:43", "2262-04-11T23:47:17", "10000-01-01"]))
    # text: the planted marker, with hostile characters around it
    extra = draw(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8))
    return draw(st.sampled_from([f"{MARKER}{extra}", f"{extra}{MARKER}", f"{MARKER}@example.com",
                                 f'{MARKER} "q" , x', f"{MARKER}\n2nd line", f"  {MARKER}  "]))


COLUMN_KINDS = ["int", "float", "bool", "date", "text", "text", "mixed"]


# ---------------------------------------------------------------------------------------------
# CSV


@dataclass
class CsvModel:
    header: list[str]
    rows: list[list[str]]
    quoted: list[list[bool]]
    delimiter: str = ","
    newline: str = "\n"
    encoding: str = "utf-8"
    trailing_newline: bool = True
    ragged: bool = False
    kinds: list[str] = field(default_factory=list)

    def render(self) -> bytes:
        def cell(text: str, quote: bool) -> str:
            must = any(ch in text for ch in (self.delimiter, '"', "\n", "\r")) or text != text.strip(" ")
            return '"' + text.replace('"', '""') + '"' if quote or must else text

        lines = [self.delimiter.join(cell(h, any(ch in h for ch in (self.delimiter, '"', "\n", "\r")))
                                     for h in self.header)]
        lines += [self.delimiter.join(cell(c, q) for c, q in zip(r, qs, strict=True))
                  for r, qs in zip(self.rows, self.quoted, strict=True)]
        text = self.newline.join(lines) + (self.newline if self.trailing_newline else "")
        return text.encode(self.encoding, errors="replace" if self.encoding != "utf-8" else "strict")

    def quotes_newline(self) -> bool:
        return any("\n" in c or "\r" in c for r in self.rows for c in r) or any("\n" in h or "\r" in h
                                                                               for h in self.header)

    def expected(self) -> Expected:
        nonnull = {h: 0 for h in self.header}
        strings: dict[str, list[str]] = {h: [] for h in self.header}
        numbers: dict[str, list[int]] = {h: [] for h in self.header}
        for r, qs in zip(self.rows, self.quoted, strict=True):
            for h, c, q in zip(self.header, r, qs, strict=True):
                must = any(ch in c for ch in (self.delimiter, '"', "\n", "\r")) or c != c.strip(" ")
                if q or must or c not in NULLS:
                    nonnull[h] += 1
                if MARKER in c:
                    strings[h].append(c)
        for h, kind in zip(self.header, self.kinds, strict=False):
            if kind == "int":
                numbers[h] = [int(c) for r in self.rows for c in [r[self.header.index(h)]] if c not in NULLS]
        return Expected(rows=len(self.rows), columns=list(self.header), nonnull=nonnull,
                        strings={k: v for k, v in strings.items() if v},
                        numbers={k: v for k, v in numbers.items() if v})


@st.composite
def csv_models(draw: st.DrawFn) -> CsvModel:
    ncols = draw(st.integers(0, 5))
    header = [draw(hostile_names()) if draw(st.integers(0, 2)) == 0 else f"c{i}_{draw(plain_names)}"
              for i in range(ncols)]
    if ncols > 1 and draw(st.integers(0, 5)) == 0:
        header[draw(st.integers(1, ncols - 1))] = header[0]  # duplicate header
    kinds = [draw(st.sampled_from(COLUMN_KINDS)) for _ in header]
    nrows = draw(st.integers(0, 6))
    rows, quoted = [], []
    for _ in range(nrows):
        row = [draw(cell_values(k if k != "mixed" else draw(st.sampled_from(COLUMN_KINDS[:-1])))) for k in kinds]
        rows.append(row)
        quoted.append([draw(st.integers(0, 4)) == 0 for _ in row])
    if ncols == 1:  # an empty unquoted cell in a one-column file is a blank line, which CSV readers skip
        for r, q in zip(rows, quoted, strict=True):
            if r[0] == "":
                q[0] = True
    model = CsvModel(header, rows, quoted, kinds=kinds,
                     newline=draw(st.sampled_from(["\n", "\n", "\r\n"])),
                     encoding=draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "latin-1"])),
                     trailing_newline=draw(st.booleans()))
    if rows and ncols and draw(st.integers(0, 6)) == 0:
        victim = draw(st.integers(0, len(rows) - 1))
        if draw(st.booleans()) and ncols > 1:
            rows[victim].pop()
            quoted[victim].pop()
        else:
            rows[victim].append("x")
            quoted[victim].append(False)
        model.ragged = True
    return model


def _expect_csv(model: CsvModel, data: bytes) -> tuple[str, str]:
    problem = header_problem(model.header)
    if problem:
        return "fail", problem
    if model.ragged:
        return "fail", "a row with a different number of fields"
    if model.encoding == "utf-16":
        return "fail", "UTF-16 text"
    if model.encoding == "latin-1" and data != data.decode("latin-1").encode("utf-8", "replace"):
        return "fail", "not UTF-8"
    if any(k == "mixed" for k in model.kinds) or any(k == "date" for k in model.kinds):
        return "any", "type inference may refuse"
    return "ok", "a well-formed CSV"


@st.composite
def csv_cases(draw: st.DrawFn) -> Case:
    model = draw(csv_models())
    data = model.render()
    ext = draw(st.sampled_from(["csv", "csv", "tsv"]))
    if ext == "tsv":
        model.delimiter = "\t"
        data = model.render()
    expect, why = _expect_csv(model, data)
    if draw(st.integers(0, 7)) == 0 and model.rows and expect == "ok":  # > 1 block, then a ragged row at the end
        body = data.split(model.newline.encode(), 1)[1] if model.newline.encode() in data else b""
        if body and body.endswith(model.newline.encode()):
            repeat = (1 << 20) // len(body) + 2
            data = data + body * repeat + model.delimiter.encode() * (len(model.header) + 2) + model.newline.encode()
            expect, why = "fail", "a malformed row after the first MiB"
    table = f"fz.{draw(plain_names)}"
    file = f"in.{ext}"
    return Case("csv", [Step(["ingest"], [table, file], expect=expect, why=why, writes=True, table=table,
                             expected=model.expected() if expect != "fail" and not model.ragged else None)],
                files={file: data})


# ---------------------------------------------------------------------------------------------
# JSON and NDJSON


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), st.integers(-1000, 1000),
        st.sampled_from([2**63 - 1, -(2**63), 2**63, 2**64, 10**30, -(10**30)]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([f"{MARKER}", f"{MARKER}@example.com", f"x{MARKER}\u202e", "", "2024-01-01T00:00:00"]),
    )


json_values = st.recursive(_scalars(), lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(plain_names, inner, max_size=3)), max_leaves=8)


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


JUNK_LINES = ["null", "1", '"x"', "[]", "[1, 2]", "true", "{", "}", '{"a": }', '{"a": 1', '{"a": 1}}', "nan",
              '{"a": NaN}', '{"a": Infinity}', "{'a': 1}", '{"a": 1} {"b": 2}', '{"a": 1},', "\x00",
              '{"a": "\x01"}', '{"a": "\\ud800"}', '{"a": 1e999}', "// comment"]


@dataclass
class JsonModel:
    records: list[Any]
    """Each a dict (a record) or a raw string line (junk)."""
    keys_dup: bool = False
    blank_lines: bool = False
    deep: int = 0
    encoding: str = "utf-8"
    newline: str = "\n"

    def objects(self) -> list[dict[str, Any]]:
        return [r for r in self.records if isinstance(r, dict)]


@st.composite
def json_models(draw: st.DrawFn) -> JsonModel:
    records: list[Any] = []
    keys = draw(st.lists(st.one_of(plain_names, plain_names, hostile_names()),
                         min_size=0 if draw(st.integers(0, 9)) == 0 else 1, max_size=4, unique=True))
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 6)) == 0:
            records.append(draw(st.sampled_from(JUNK_LINES)))
        else:
            present = [k for k in keys if draw(st.integers(0, 4))] or keys[:1]
            records.append({k: draw(json_values) for k in present})
    model = JsonModel(records, blank_lines=draw(st.integers(0, 6)) == 0,
                      encoding=draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "latin-1"])),
                      newline=draw(st.sampled_from(["\n", "\n", "\r\n"])))
    if draw(st.integers(0, 6)) == 0:
        model.deep = draw(st.sampled_from([64, 200, 1000, 5000, 100_000]))
    model.keys_dup = bool(model.objects()) and bool(keys) and draw(st.integers(0, 8)) == 0
    return model


def _encode_object(obj: dict[str, Any], dup: bool) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    if dup and obj:
        first = next(iter(obj))
        text = text[:-1] + f", {json.dumps(first)}: {json.dumps(MARKER)}" + "}"
    return text


def _json_expect(model: JsonModel, objects: list[dict[str, Any]], *, array: bool) -> tuple[str, str]:
    if any(not isinstance(r, dict) for r in model.records):
        return "fail", "a record that is not a JSON object"
    if model.encoding in ("utf-16", "latin-1") and any(ord(c) > 127 for c in json.dumps(model.records,
                                                                                       ensure_ascii=False)):
        return "fail", "not UTF-8"
    if model.encoding == "utf-16":
        return "fail", "UTF-16 text"
    keys = list(dict.fromkeys(k for o in objects for k in o))
    if not keys:
        return "fail", "no columns"
    problem = header_problem(keys)
    if problem:
        return "fail", problem.replace("column name", "key")
    if model.keys_dup:
        return "fail", "an object with a duplicate key (one value silently dropped)"
    if any(isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63
           for v in _leaves(objects)):
        return "fail", "an integer beyond 64 bits"
    return "any", "types may clash between records"


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


def _json_expected(objects: list[dict[str, Any]]) -> Expected:
    keys = list(dict.fromkeys(k for o in objects for k in o))
    nonnull = {k: sum(1 for o in objects if isinstance(o.get(k), str | int | float) and o.get(k) is not None)
               for k in keys}
    strings = {k: [o[k] for o in objects if isinstance(o.get(k), str) and MARKER in o[k]] for k in keys}
    return Expected(rows=len(objects), columns=keys,
                    nonnull={k: n for k, n in nonnull.items()
                             if all(not isinstance(o.get(k), dict | list) for o in objects)},
                    strings={k: v for k, v in strings.items() if v})


@st.composite
def ndjson_cases(draw: st.DrawFn) -> Case:
    model = draw(json_models())
    lines = [r if isinstance(r, str) else _encode_object(r, model.keys_dup) for r in model.records]
    if model.deep:
        lines.insert(draw(st.integers(0, len(lines))), '{"deep": ' + nested(model.deep, draw(
            st.sampled_from(["list", "object"]))) + "}")
    if model.blank_lines:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", "   ", "\t"])))
    text = model.newline.join(lines) + (model.newline if draw(st.booleans()) else "")
    data = text.encode(model.encoding, errors="replace")
    objects = model.objects()
    expect, why = _json_expect(model, objects, array=False)
    if model.deep and expect != "fail":
        expect, why = "any", "nesting past a limit may be refused"
    ext = draw(st.sampled_from(["ndjson", "jsonl"]))
    table = f"fz.{draw(plain_names)}"
    return Case("ndjson", [Step(["ingest"], [table, f"in.{ext}"], expect=expect, why=why, writes=True, table=table,
                                expected=_json_expected(objects) if not model.deep and expect != "fail" else None)],
                files={f"in.{ext}": data})


@st.composite
def json_array_cases(draw: st.DrawFn) -> Case:
    model = draw(json_models())
    objects = model.objects()
    shape = draw(st.sampled_from(["array", "array", "array", "object", "scalar", "truncated", "deep", "nested-array"]))
    body = "[" + ",".join(r if isinstance(r, str) else _encode_object(r, model.keys_dup) for r in model.records) + "]"
    expect, why = _json_expect(model, objects, array=True)
    if shape == "object":
        body = _encode_object(objects[0], False) if objects else "{}"
        expect, why = "fail", "a JSON object, not an array"
    elif shape == "scalar":
        body = draw(st.sampled_from(["null", "1", '"x"', "true", ""]))
        expect, why = "fail", "not an array of objects"
    elif shape == "truncated":
        body = body[: draw(st.integers(0, max(0, len(body) - 1)))]
        expect, why = "fail", "truncated JSON"
    elif shape == "deep":
        kind = draw(st.sampled_from(["list", "object"]))
        body = "[" + nested(draw(st.sampled_from([100, 1000, 5000, 100_000])), kind) + "]"
        expect, why = ("fail", "an array of arrays") if kind == "list" else ("any", "nesting past a limit may be refused")
    elif shape == "nested-array":
        body = "[" + body + "]"
        expect, why = "fail", "an array of arrays"
    data = body.encode(model.encoding, errors="replace")
    table = f"fz.{draw(plain_names)}"
    keep = shape == "array" and expect != "fail"
    return Case("json", [Step(["ingest"], [table, "in.json"], expect=expect, why=why, writes=True, table=table,
                              expected=_json_expected(objects) if keep else None)],
                files={"in.json": data})


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
            data = vals(lambda i: big if i == 0 else i)
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
    except Exception:  # noqa: BLE001  a type Parquet cannot hold: write junk instead
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


# ---------------------------------------------------------------------------------------------
# compression


@st.composite
def compressed_cases(draw: st.DrawFn) -> Case:
    inner = draw(st.one_of(csv_cases(), ndjson_cases(), json_array_cases(), parquet_cases()))
    (name, data), = inner.files.items()
    codec = draw(st.sampled_from(["gz", "zst"]))
    packed = gzip.compress(data) if codec == "gz" else zstandard.ZstdCompressor().compress(data)
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
        buf[rnd.randrange(len(buf))] ^= 0xFF
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
    given = draw(st.one_of(st.sampled_from(FORMATS + ["xml", "CSV", "Parquet", "", " csv", "csv ", "avro", "jsonl",
                                                      "tsv", "orc", "gz", "csv.gz", "delta", "../csv"]),
                           st.text(max_size=8).filter(lambda s: "\x00" not in s)))
    step = inner.steps[0]
    expect, why, expected = step.expect, step.why, step.expected
    if given.lower() not in FORMATS:
        expect, why, expected = "fail", "an unsupported --format", None
    elif given.lower() != actual:
        pairs_ok = {("ndjson", "json")}
        expect = "any" if (actual, given.lower()) in pairs_ok or (given.lower() == "csv" and actual != "parquet") \
            else "fail"
        why, expected = f"{actual} content read as {given}", None
    new_name = draw(st.sampled_from([name, "in.dat", "in", "in.txt"]))
    step = Step(["ingest", "--format", given], [step.args[0], new_name], expect=expect, why=why, writes=True,
                table=step.table, expected=expected)
    return Case("format", [step], files={new_name: data})


# ---------------------------------------------------------------------------------------------
# table names


@st.composite
def table_names(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["two", "two", "two", "one", "three", "meta", "dots", "pct"]))
    if shape == "one":
        return draw(hostile_names())
    if shape == "three":
        return ".".join(draw(hostile_names()) for _ in range(3))
    if shape == "meta":
        return "_lakekit." + draw(st.sampled_from(["loads", "audit", "runs", "validations", draw(plain_names)]))
    if shape == "dots":
        return draw(st.sampled_from(["..", ".x", "x.", "x..y", "./x.y", "x/.y", ". . ", "x.y/"]))
    if shape == "pct":
        return draw(st.sampled_from(["sec.%2e%2e", "%2e%2e.x", "sec.%2e%2e%2f%2e%2e", "a.%2f", "a.b%00", "a.%41"]))
    return f"{draw(hostile_names())}.{draw(hostile_names())}"


@st.composite
def name_cases(draw: st.DrawFn) -> Case:
    name = draw(table_names().filter(lambda s: "\x00" not in s))
    data = f"id,email\n1,{MARKER}@example.com\n".encode()
    parts = name.split(".")
    plain = (len(parts) == 2 and all(p and p.isidentifier() and p.isascii() and len(p) < 100 for p in parts)
             and parts[0] != "_lakekit")
    expect = "ok" if plain and all(p.islower() or p.startswith("_") for p in parts) else "any"
    if parts[0] == "_lakekit":
        expect = "fail"
    return Case("name", [Step(["ingest"], [name, "in.csv"], expect=expect,
                              why="a plain lower-case name" if expect == "ok" else "the reserved namespace",
                              writes=True, table=name,
                              expected=Expected(rows=1, columns=["id", "email"], nonnull={"id": 1, "email": 1}))],
                files={"in.csv": data})


# ---------------------------------------------------------------------------------------------
# SQL


DIALECTS = [None, "duckdb", "spark", "databricks", "snowflake", "bigquery", "postgres", "mysql", "tsql", "hive",
            "trino", "nosuch", ""]
DQ_STRINGS = {"spark", "databricks", "bigquery", "mysql", "hive"}

number_texts = st.one_of(
    st.integers(-5, 5).map(str),
    st.sampled_from(["1000", "2147483648", "9223372036854775807", "9223372036854775808", "18446744073709551616",
                     "10000000000", "99999999999999999999", "-1", "-9223372036854775808", "1e300", "-1e300", "1e-300",
                     "1.5", "0.0", "'nan'", "'inf'", "NULL", "1+1", "(SELECT 1)", "id", "'x'", f"'{MARKER}'",
                     "CAST('1' AS INT)", "2::BIGINT", "-(-3)", "''", "+", "TRUE"]))
time_texts = st.sampled_from([
    "'2024-01-01'", "'2024-01-01T00:00:00Z'", "'0001-01-01'", "'9999-12-31 23:59:59'", "'1970-01-01'",
    "'2262-04-12'", "'1677-09-21'", "'294247-01-10'", "'-infinity'", "'infinity'", "'epoch'", f"'{MARKER}'",
    "'2024-13-45'", "NULL", "CURRENT_TIMESTAMP", "now()", "'2024-01-01'::TIMESTAMP + INTERVAL 1 DAY", "1", "1e300",
    "TIMESTAMP '2024-01-01 00:00:00'", "'2024-01-01T00:00:00+14:00'"])


@st.composite
def time_travel(draw: st.DrawFn, dialect: str | None) -> str:
    n, ts = draw(number_texts), draw(time_texts)
    forms = {
        "spark": [f"VERSION AS OF {n}", f"TIMESTAMP AS OF {ts}"],
        "databricks": [f"VERSION AS OF {n}", f"TIMESTAMP AS OF {ts}"],
        "duckdb": [f"FOR VERSION AS OF {n}", f"FOR TIMESTAMP AS OF {ts}", f"AT (VERSION => {n})",
                   f"AT (TIMESTAMP => {ts})"],
        "snowflake": [f"AT (VERSION => {n})", f"AT (TIMESTAMP => {ts})", f"AT (OFFSET => {n})",
                      f"BEFORE (VERSION => {n})", f"BEFORE (TIMESTAMP => {ts})", f"AT (STATEMENT => {n})"],
        "bigquery": [f"FOR SYSTEM_TIME AS OF {ts}", f"FOR SYSTEM_TIME AS OF {n}"],
    }
    options = forms.get(dialect or "duckdb", forms["duckdb"]) + ["FOR VERSION AS OF", "VERSION AS", "AT (",
                                                                   "AT (OFFSET =>", "FOR SYSTEM_TIME", "FOR"]
    return draw(st.sampled_from(options))


def _deep_sql(kind: str, depth: int, table: str) -> str:
    if kind == "parens":
        return f"SELECT {'(' * depth}1{')' * depth} AS x"
    if kind == "subquery":
        return "SELECT * FROM " + "(SELECT * FROM " * depth + table + ") t" * depth + " x"
    if kind == "not":
        return f"SELECT * FROM {table} WHERE " + "NOT " * depth + "id = 1"
    if kind == "or":
        return f"SELECT * FROM {table} WHERE " + " OR ".join(f"id = {i}" for i in range(depth))
    if kind == "case":
        return "SELECT " + "CASE WHEN id = 1 THEN " * depth + "1" + " END" * depth + f" FROM {table}"
    if kind == "func":
        return "SELECT " + "abs(" * depth + "id" + ")" * depth + f" FROM {table}"
    if kind == "union":
        return " UNION ALL ".join(f"SELECT id FROM {table}" for _ in range(depth))
    return "SELECT " + "1 + " * depth + "1"


@st.composite
def sql_queries(draw: st.DrawFn) -> tuple[str, str | None]:
    dialect = draw(st.sampled_from(DIALECTS))
    table = draw(st.sampled_from([*FIXTURE_TABLES, "fz.nosuch", "nosuch", "FZ.PLAIN", '"fz"."plain"', "`fz`.`plain`",
                                  "fz.plain.extra", "cat.fz.plain", "_lakekit.loads", "_lakekit.audit"]))
    shape = draw(st.sampled_from(["travel", "travel", "travel", "select", "select", "deep", "literal", "garbage",
                                  "truncated", "sandbox", "multi"]))
    if shape == "travel":
        sql = f"SELECT * FROM {table} {draw(time_travel(dialect))}"
        if draw(st.booleans()):
            sql += f" JOIN {table} {draw(time_travel(dialect))} AS b USING (id)"
    elif shape == "select":
        cols = draw(st.sampled_from(["*", "count(*)", "id", "email", "country", "CAST(email AS INTEGER)",
                                     "CAST(country AS DATE)", "s.k", "l[1]", "sum(amount)", "email || 'x'",
                                     "upper(email)", "1/0", "CAST(id AS TINYINT) * 1000"]))
        where = draw(st.sampled_from(["", "WHERE country = 'FI'", "WHERE email LIKE '%x%'", "WHERE id IN (1, 2)",
                                      f"WHERE email = '{MARKER}@example.com'", "WHERE CAST(email AS INT) = 1",
                                      "WHERE country IN ('FI', 'SE')", "WHERE country = 1",
                                      "ORDER BY country", "GROUP BY country", "WHERE email > 5"]))
        sql = f"SELECT {cols} FROM {table} {where}"
    elif shape == "deep":
        sql = _deep_sql(draw(st.sampled_from(["parens", "subquery", "not", "or", "case", "func", "union", "plus"])),
                        draw(st.sampled_from([10, 100, 500, 1000, 3000, 10_000])), table)
    elif shape == "literal":
        quote = '"' if dialect in DQ_STRINGS and draw(st.booleans()) else "'"
        lit = f"{quote}{MARKER}{draw(st.sampled_from(['', '@example.com', ' x', '-1']))}{quote}"
        sql = draw(st.sampled_from([f"SELECT CAST({lit} AS INTEGER)", f"SELECT * FROM {table} WHERE id = {lit}",
                                    f"SELECT CAST({lit} AS DATE) FROM {table}", f"SELECT {lit} + 1",
                                    f"SELECT * FROM {table} WHERE email = {lit} AND CAST(email AS INT) > 0",
                                    f"SELECT strptime({lit}, '%Y')", f"SELECT * FROM {table} AT (TIMESTAMP => {lit})",
                                    f"SELECT * FROM {table} VERSION AS OF {lit}", f"SELECT {lit}::UUID",
                                    f"SELECT * FROM {table} WHERE {lit}"]))
    elif shape == "garbage":
        sql = draw(st.text(alphabet=st.sampled_from(list("SELECT FROMWHERE()*,.'\"`;[]{}-/0123456789 \n") +
                                                    ["SELECT ", " FROM ", table, " VERSION AS OF ", "'", ";"]),
                           max_size=60))
    elif shape == "truncated":
        full = f"SELECT a.id, b.email FROM {table} VERSION AS OF 1 a JOIN {table} FOR VERSION AS OF 0 b ON a.id = b.id"
        sql = full[: draw(st.integers(0, len(full)))]
    elif shape == "sandbox":
        sql = draw(st.sampled_from(["SELECT * FROM read_csv('/etc/passwd')", "COPY (SELECT 1) TO 'x.csv'",
                                    "ATTACH 'x.db'", "SELECT * FROM 'lake/fz/plain/_delta_log/00000000000000000000.json'",
                                    "INSTALL httpfs", "SELECT getenv('HOME')", "PRAGMA version",
                                    "CREATE TABLE x AS SELECT 1", f"DELETE FROM {table}",
                                    f"SELECT * FROM {table}; DROP TABLE {table}", "SET enable_external_access=true",
                                    "SELECT * FROM glob('*')", "CALL pragma_version()"]))
    else:
        sql = "; ".join([f"SELECT * FROM {table}"] * draw(st.integers(0, 3)))
    return sql, dialect


@st.composite
def sql_cases(draw: st.DrawFn) -> Case:
    sql, dialect = draw(sql_queries())
    if "\x00" in sql:
        sql = sql.replace("\x00", "")
    argv = ["sql", "--json", "--limit", str(draw(st.sampled_from([0, 5, 100])))]
    if dialect is not None:
        argv += ["--dialect", dialect]
    return Case("sql", [Step(argv, [sql], expect="any")], lake="fixture")


# ---------------------------------------------------------------------------------------------
# CLI options: versions, timestamps, limits, modes, keys, GDPR identifiers


huge_ints = st.sampled_from(["-1", "0", "1", "2", "3", "1000", "10000000000", "2147483648", "9223372036854775807",
                             "9223372036854775808", "18446744073709551616", "99999999999999999999", "-10000000000",
                             "1e3", "0x10", "", " 1", "one", "1.0"])


@st.composite
def option_cases(draw: st.DrawFn) -> Case:
    table = draw(st.sampled_from([*FIXTURE_TABLES, "fz.nosuch"]))
    kind = draw(st.sampled_from(["show-version", "show-version", "show-asof", "show-limit", "validate", "history",
                                 "loads", "quarantine", "gdpr", "merge-keys", "mode", "partition", "meta"]))
    files: dict[str, bytes] = {}

    def intish(s: str) -> bool:
        """Whether the CLI may take ``s`` as an integer (typer's pydantic also takes ``1.0``, `` 2 ``)."""
        try:
            return float(s) == int(float(s))
        except (ValueError, OverflowError):
            return False

    if kind == "show-version":
        v = draw(huge_ints)
        steps = [Step(["show", "--json", "--version", v], [table], expect="any" if intish(v) else "usage")]
    elif kind == "show-asof":
        ts = draw(st.one_of(time_texts.map(lambda s: s.strip("'")),
                            st.sampled_from(["2024-01-01", "now", "", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00",
                                             "2024-01-01T00:00:00.123456789", "1e300", "2024-W01"])))
        steps = [Step(["show", "--json", "--as-of", ts], [table], expect="any", secret=False)]  # the user's own text
    elif kind == "show-limit":
        n = draw(huge_ints)
        steps = [Step(["show", "--json", "--limit", n], [table], expect="any" if intish(n) else "usage")]
    elif kind == "validate":
        v = draw(huge_ints)
        steps = [Step(["validate", "--json", "--version", v], [table], expect="any" if intish(v) else "usage")]
    elif kind == "history":
        steps = [Step(["history", "--json"], [draw(st.one_of(st.just(table), table_names()))
                                              .replace("\x00", "")], expect="any")]
    elif kind == "loads":
        steps = [Step(["loads", "--json"], [draw(st.one_of(st.just(table), table_names())).replace("\x00", "")],
                      expect="any")]
    elif kind == "quarantine":
        n = draw(huge_ints)
        steps = [Step(["quarantine", "--json", "--limit", n], [table], expect="any" if intish(n) else "usage")]
    elif kind == "gdpr":
        ident = draw(st.sampled_from([f"email={MARKER}.u2@example.com", f"email={MARKER}.u3@example.com",
                                      f"email={MARKER}", f"user_id={MARKER}", "user_id=99999999999999999999",
                                      "user_id=-1", f"nosuch={MARKER}", f"ip={MARKER}", f"name={MARKER}",
                                      f"full_name={MARKER}", "email=", f"EMAIL={MARKER}@example.com",
                                      f"email={MARKER}'; DROP TABLE x; --"]))
        steps = [Step(["gdpr", "find", "--json"], [ident], expect="any", writes=True)]
    elif kind == "merge-keys":
        files = {"a.csv": f"id,email\n1,{MARKER}@example.com\n1,{MARKER}.2@example.com\n".encode(),
                 "b.csv": f"id,email\n1,{MARKER}.3@example.com\n".encode()}
        key = draw(st.sampled_from(["nosuch", "id", "email", "ID", "", "id,email", "_load_id"]))
        target = draw(st.sampled_from(["fz.newmerge", "fz.plain", "fz.merged"]))
        why = "merge keys must exist in the data and be unique in the batch"
        steps = [Step(["ingest", "--mode", "merge", "--key", key], [target, "a.csv"],
                      expect="fail" if key != "email" else "any", why=why, writes=True),
                 Step(["ingest", "--mode", "merge", "--key", key], [target, "b.csv"], expect="any", writes=True)]
    elif kind == "mode":
        files = {"a.csv": b"id,v\n1,x\n"}
        mode = draw(st.sampled_from(["append", "overwrite", "merge", "APPEND", "", "upsert", "delete", "error"]))
        ok = mode in ("append", "overwrite")
        steps = [Step(["ingest", "--mode", mode], [draw(st.sampled_from(["fz.newmode", "fz.plain", "fz.over"])),
                                                    "a.csv"], expect="any" if ok else "fail", writes=True,
                      why="an unknown mode / merge without keys")]
    elif kind == "partition":
        files = {"a.csv": f"id,email,when\n1,{MARKER}@example.com,2024-01-01\n".encode()}
        col = draw(st.sampled_from(["id", "email", "when", "nosuch", "", "ID", "_load_id", "id/../..", "a b"]))
        steps = [Step(["ingest", "--partition-by", col], ["fz.newpart", "a.csv"], expect="any", writes=True,
                      table="fz.newpart" if col in ("id", "when") else None,
                      expected=Expected(rows=1, columns=["id", "email", "when"]) if col in ("id", "when") else None)]
    else:
        files = {"a.csv": b"id\n1\n"}
        meta = draw(st.sampled_from(["k=v", "k=", "=v", "k", "k=v=w", "k=\n", "k=\u202e", "k=" + "x" * 10_000,
                                     "lakekit=1", "load_id=forged", "k=\x1b[31m"]))
        steps = [Step(["ingest", "--meta", meta], ["fz.newmeta", "a.csv"],
                      expect="usage" if "=" not in meta or meta.startswith("=") else "any", writes=True)]
    return Case(f"option:{kind}", steps, files=files, lake="fixture", follow_ups=False)
