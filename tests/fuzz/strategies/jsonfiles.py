"""NDJSON and JSON-array files drawn from a model (records, junk lines, duplicate keys, deep
nesting, encodings)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.cases import MARKER, Case, Expected, Step
from tests.fuzz.strategies.common import header_problem, hostile_names, plain_names

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
        expect, why = ("fail", "an array of arrays") if kind == "list" else \
            ("any", "nesting past a limit may be refused")
    elif shape == "nested-array":
        body = "[" + body + "]"
        expect, why = "fail", "an array of arrays"
    data = body.encode(model.encoding, errors="replace")
    table = f"fz.{draw(plain_names)}"
    keep = shape == "array" and expect != "fail"
    return Case("json", [Step(["ingest"], [table, "in.json"], expect=expect, why=why, writes=True, table=table,
                              expected=_json_expected(objects) if keep else None)],
                files={"in.json": data})
