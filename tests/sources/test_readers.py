"""The readers give back what the file holds, compared with Python's own ``csv`` and ``json``
parsers as references, over the inputs where pyarrow's readers went wrong (found by the fuzz suite):
an empty last field of a last line without a line break, lists whose first item is null, several
objects on one line, and characters that ``str.splitlines`` takes for line breaks."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lakekit as lk
from lakekit.errors import SourceError
from lakekit.sources.batches import wide_integers
from lakekit.sources.formats import resolve
from lakekit.sources.reader import read

_field = st.one_of(st.just(""), st.just('""'), st.sampled_from(["x", "y z", "w1"]).map(lambda s: f'"{s}"'),
                   st.sampled_from(["x", "NULL"]))


def _expected(text: str) -> list[list[str | None]]:
    """What each field means by lakekit's rules: unquoted empty or NULL is null; quoted is text."""
    rows = []
    for line in text.split("\n")[1:]:
        if not line:
            continue
        parsed = next(csv.reader([line]))
        quoted = [f.startswith('"') for f in line.split(",")]
        rows.append([v if q or v not in ("", "NULL") else None for v, q in zip(parsed, quoted, strict=True)])
    return rows


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_field, min_size=3, max_size=3), min_size=1, max_size=4), final_break=st.booleans())
def test_csv_fields_read_as_written_with_or_without_a_final_line_break(tmp_path: Path, rows: list[list[str]],
                                                                       final_break: bool) -> None:
    text = "a,b,c\n" + "\n".join(",".join(r) for r in rows) + ("\n" if final_break else "")
    path = tmp_path / "f.csv"
    path.write_text(text)
    got = read(resolve(str(path))[0], {"a": pa.string(), "b": pa.string(), "c": pa.string()}).read_all()
    assert [list(r.values()) for r in got.to_pylist()] == _expected(text)


_items = st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=4)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lists=st.lists(st.one_of(st.none(), _items), min_size=1, max_size=5), blank_first=st.booleans())
def test_ndjson_lists_read_as_written(tmp_path: Path, lists: list[list[int | None] | None], blank_first: bool) -> None:
    """pyarrow's inferring reader gave ``[null, 1]`` offsets past its values (an invalid array)."""
    path = tmp_path / "f.ndjson"
    path.write_text("\n" * blank_first + "".join(json.dumps({"k": 0, "v": v}) + "\n" for v in lists))
    got = read(resolve(str(path))[0]).read_all()
    got.validate(full=True)
    if "v" in got.column_names:
        assert got.column("v").to_pylist() == lists


@pytest.mark.parametrize(("text", "line", "message"), [
    ('{"a": 1} {"a": 2}\n', 1, "more than one JSON value on a line"),
    ('{"a": 1}\n{"a": 2}{"a": 3}\n', 2, "more than one JSON value on a line"),
    ('{"a": Infinity}\r\n', 1, "Infinity is not a JSON number"),
    ('{"a": "Inf"}\n{"a": -Inf}\n', 2, "-Inf is not a JSON number"),
    ('{"a": [1, NaN]}\n', 1, "NaN is not a JSON number"),
])
def test_ndjson_that_is_not_one_json_object_per_line_is_refused(tmp_path: Path, text: str, line: int,
                                                                message: str) -> None:
    path = tmp_path / "f.ndjson"
    path.write_text(text)
    with pytest.raises(SourceError) as caught:
        read(resolve(str(path))[0]).read_all()
    assert f"line {line}: {message}" in str(caught.value)


def test_the_words_nan_and_infinity_inside_strings_are_text(tmp_path: Path) -> None:
    path = tmp_path / "f.ndjson"
    path.write_text('{"a": "NaN and -Infinity", "b": 1}\n{"a": "Inf", "b": 2}\n')
    assert read(resolve(str(path))[0]).read_all().column("a").to_pylist() == ["NaN and -Infinity", "Inf"]


def test_values_holding_unicode_line_separators_load(lake: lk.Lake, tmp_path: Path) -> None:
    """delta-rs writes U+0085, U+2028 and form feeds unescaped into a commit's statistics; a commit
    file split by ``str.splitlines`` came apart inside a value."""
    values = ["a\x85b", "c\u2028d", "e\x0cf", "g\x1ch", "i\u2029j", "k\x1el"]
    for part in (0, 1):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([["id", "note"], *[[i, v] for i, v in
                                                                            enumerate(values[part::2])]])
        (tmp_path / f"u{part}.csv").write_text(buffer.getvalue())
        lake.ingest("t.u", str(tmp_path / f"u{part}.csv"))
    assert sorted(lake.read("t.u").column("note").to_pylist()) == sorted(values)
    assert sorted(h.version for h in lake.history("t.u")) == [0, 1]


def test_a_json_array_loads_the_keys_of_every_record(tmp_path: Path) -> None:
    """The columns were taken from the first record alone: keys first seen later were dropped."""
    path = tmp_path / "f.json"
    path.write_text('[{"a": {}}, {"a": {"t": null}, "b": false, "c": 6}, {"d": "x"}]')
    got = read(resolve(str(path))[0]).read_all()
    assert got.column_names == ["a", "b", "c", "d"]
    assert got.select(["b", "c", "d"]).to_pylist() == [{"b": None, "c": None, "d": None},
                                                         {"b": False, "c": 6, "d": None},
                                                         {"b": None, "c": None, "d": "x"}]


_FLOATS = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([2.0**63, -(2.0**63), 2.0**63 - 1024, 1e19, -1e19, 0.0]))


@settings(max_examples=200)
@given(values=st.lists(_FLOATS, min_size=1, max_size=20))
def test_a_float_column_is_found_to_hold_an_integer_past_64_bits_exactly_when_one_finite_value_is(
        values: list[float | None]) -> None:
    """The one-pass min/max shortcut of ``wide_integers`` decides as a look at every finite value would."""
    batch = pa.record_batch({"x": pa.array(values, pa.float64()), "n": pa.array([1] * len(values))})
    past = any(v is not None and math.isfinite(v) and abs(v) >= 2**63 for v in values)
    assert wide_integers(batch) == (["x"] if past else [])
