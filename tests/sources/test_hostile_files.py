"""Bad source files are one-line errors naming the file (and line where the reader knows it), leave
the lake as it was, and never echo a value; files a reader would load changed are refused."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lakekit as lk
from lakekit.errors import SchemaConflict, SourceError, UsageError
from lakekit.sources import columns
from lakekit.sources.digest import Digest
from lakekit.sources.formats import resolve
from lakekit.sources.reader import read

SECRET = "zz-secret-42"


def _parquet(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _lake_state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


_FUZZED_PARQUET = (  # found by make fuzz: a footer whose column name is not UTF-8 (a UnicodeDecodeError)
    "UEFSMRUEFVAVPEwVChUAEgAAKAAADQEAAQ0IAAINCDwDAAAAAAAAAAQAAAAAAAAAEQAVFhUaLBUKFRAVBhUGHBgIBAAAAAAAAAAYCAAAAAAAAAAAFgAo"
    "KAQAAAAAAAAAGAgAAAAAAAAAABERAAAACygCAAAACgEDA4hGABUEGSw1ABgGc2NoZW1hFQIAFQQlAhgCY7AAFgoZHBkcJgAcFQQZNQAGEBkYAmMwFQIW"
    "ChaAAhbwASZgJggcGAgEAAAAAAAAABgIAAAAAAAAAAAWACgIBAAAAAAAAAAYCAAAAAAAAAAAEREAGSwVBBUAFQIAFQAVEBUCADwpBhkmAAoAAAAWgAIW"
    "CiYIFvABABkcGAxBUlJPVzpjY2hlbWEYrAEvLy8vLzNnQUFBQVFBQUFBQUFBS0FBd0FCZ0FGQUFnQUNnQUFBQUFCQkFBTUFBQUFDQUFJQUFBQUJBQUlB"
    "QUFBQkFBQUFBRUFBQUFVQUFBQUVBQVVBQWdBQmdBSEFBd0FBQUFRQUJBQUFBQUFBQUVTRUFBQUFCd0FBQUFFQUFBQUFBQUFBQUlBQUFCak1DQUFBQUFH"
    "QUFnQUJnQUdBQUFBQUFBQUFBQUFBQUE9ABggcGFycXVldC1jcHAlYXJyb3cgdmVyc2lvbiAyNi4wLjEZHBwAAAB4AQAAUEFSMQ==")

REFUSED: dict[str, tuple[str, bytes, str]] = {
    "empty file": ("e.csv", b"", "empty file"),
    "blank ndjson": ("e.ndjson", b"\n\n", "empty"),
    "duplicate headers": ("d.csv", b"id,id,id\n1,2,3\n", "column 2 'id' repeats column 1 'id'"),
    "headers differing in case": ("d.csv", b"id,ID\n1,2\n", "column 2 'ID' repeats column 1 'id'"),
    "empty headers": ("e.csv", b",,,\n1,2,3,4\n", "column 1 has an empty name"),
    "NUL in a header": ("z.csv", b"a\x00b,c\n1,2\n", "control or invisible character in its name 'a\\x00b'"),
    "latin-1 text": ("l.csv", "id,n\n1,caf\xe9\n".encode("latin-1"), "column 'n' is not UTF-8 text"),
    "integer beyond 64 bits (CSV)": ("h.csv", b"id,n\n1,5\n2,99999999999999999999\n",
                                     "column 'n': row 2 holds an integer beyond the 64-bit range"),
    "ragged row": ("r.csv", f"id,email\n1,{SECRET}@x.org,extra\n".encode(), "line 2: expected 2 columns, got 3"),
    "a row past the block size": ("b.csv", b"id,v\n1," + b"x" * (3 << 20) + b"\n", "a row longer than 1 MiB"),
    "null line (crashed pyarrow)": ("n.ndjson", b"null\n", "line 1: not a JSON object"),
    "null after an object": ("n.ndjson", b'{"a": 1}\nnull\n', "line 2: not a JSON object"),
    "deep NDJSON (crashed pyarrow)": ("j.ndjson", b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n",
                                      "line 1: nested deeper than 64 levels"),
    "deep arrays (hung pyarrow)": ("j.ndjson", b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n",
                                   "line 1: nested deeper than 64 levels"),
    "malformed NDJSON": ("m.ndjson", f'{{"a": "{SECRET}"}}\n{{"a": "{SECRET}" x}}\n'.encode(), "malformed JSON"),
    "NDJSON integer beyond 64 bits": ("i.ndjson", b'{"a": 18446744073709551616}\n',
                                      "line 1: an integer beyond the 64-bit range"),
    "NDJSON read as a JSON array": ("p.json", b'{"a": 1}\n{"a": 2}\n', "invalid JSON"),
    "deep JSON array": ("j.json", b"[" + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"]",
                        "nested deeper than 64 levels"),
    "JSON duplicate key": ("k.json", f'[{{"a": 1, "a": "{SECRET}"}}]'.encode(), "an object repeats a key"),
    "JSON NaN": ("n.json", b'[{"a": NaN}]', "NaN is not a JSON number"),
    "JSON with an invisible character read as CSV": ("r.csv", f'[{{"a": "{SECRET}\u202e"}}]\n1\n'.encode(),
                                                     "its name: the names look like data"),
    "Parquet's magic read as CSV": ("p.csv", b"PAR1PAR1", "the file starts as Parquet does"),
    "JSON array starting with NUL": ("z.json", b"[\x00,[],1]", "line 1: invalid JSON"),
    "Parquet footer with a name not UTF-8": ("u.parquet", base64.b64decode(_FUZZED_PARQUET), "not a readable Parquet"),
    "JSON lone surrogate": ("s.json", b'[{"a": "\\ud800"}, {"b": 1}]', "half of a surrogate pair"),
    "NDJSON lone surrogate": ("s.ndjson", b'{"a": "\\udc00"}\n', "malformed JSON: The surrogate pair"),
    "NDJSON Infinity": ("n.ndjson", b'{"a": 1.5}\n{"a": Infinity}\n', "line 2: Infinity is not a JSON number"),
    "NDJSON NaN deep in a record": ("n.ndjson", b'{"a": {"b": [1.5, NaN]}}\n', "line 1: NaN is not a JSON number"),
    "JSON float beyond double": ("f.json", b'[{"a": 1e400}]', "a number beyond the range of a double"),
    "JSON integer beyond 64 bits": ("i.json", b'[{"a": 18446744073709551616}]', "an integer beyond the 64-bit range"),
    "JSON without columns": ("e.json", b"[{}, {}]", "no columns"),
    "a row taken for a header": ("r.csv", f'{{"a": "{SECRET}"}},{{"a": "{SECRET}"}}\n1,2\n'.encode(),
                                 "column 2 repeats column 1: the names look like data"),
    "blank first line": ("b.csv", b'\n"NULL"\n""\n', "line 1: the first line, the header, is empty"),
    "blank first line after a BOM": ("b.csv", b"\xef\xbb\xbf\r\nid\n1\n", "line 1: the first line, the header, is"),
    "corrupt gzip": ("g.csv.gz", gzip.compress(b"id\n1\n2\n")[:-6] + b"\xff" * 6, "corrupt or truncated gzip"),
    "not gzip": ("g.csv.gz", b"id\n1\n", "corrupt or truncated gzip"),
    "truncated gzip": ("g.ndjson.gz", gzip.compress(b'{"a": 1}\n' * 100)[:20], "corrupt or truncated gzip"),
    "corrupt zstd": ("g.csv.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 12, "corrupt or truncated zstd"),
    "truncated Parquet": ("p.parquet", _parquet(pa.table({"id": [1, 2]}))[:40], "not a readable Parquet file"),
    "Parquet without columns": ("e.parquet", _parquet(pa.table({})), "no columns"),
    "Parquet with duplicate columns": ("v.parquet", _parquet(pa.Table.from_arrays([pa.array([1]), pa.array([2])],
                                                                                  names=["a", "a"])), "repeats"),
    "a _load_id column": ("l.csv", f"_load_id,v\n{SECRET},1\n".encode(), "column '_load_id' is lakekit's own"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_files_are_refused_with_one_line_and_nothing_written(lake: lk.Lake, tmp_path: Path, case: str) -> None:
    name, data, message = REFUSED[case]
    (tmp_path / "good.csv").write_text("id,v\n1,x\n")
    lake.ingest("t.keep", str(tmp_path / "good.csv"))
    before = _lake_state(Path(lake.storage.root))
    (tmp_path / name).write_bytes(data)
    for table in ("t.keep", "t.new"):
        with pytest.raises(lk.LakekitError) as caught:
            lake.ingest(table, str(tmp_path / name))
        text = str(caught.value)
        assert message in text and str(tmp_path / name) in text
        assert "\n" not in text and SECRET not in text
        assert _lake_state(Path(lake.storage.root)) == before


def test_wrong_and_unknown_formats(lake: lk.Lake, tmp_path: Path) -> None:
    (tmp_path / "p.parquet").write_bytes(_parquet(pa.table({"id": [1, 2]})))
    (tmp_path / "x.csv").write_text("id\n1\n")
    with pytest.raises(UsageError, match="unknown format 'xml'; one of csv, json, ndjson, parquet"):
        lake.ingest("t.x", str(tmp_path / "x.csv"), format="xml")  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="not a readable Parquet file"):
        lake.ingest("t.x", str(tmp_path / "x.csv"), format="parquet")
    with pytest.raises(SourceError, match=r"p\.parquet"):
        lake.ingest("t.x", str(tmp_path / "p.parquet"), format="csv")
    assert lake.ingest("t.x", str(tmp_path / "x.csv"), format="CSV").rows == 1  # type: ignore[arg-type]
    assert lake.tables() == ["t.x"]


@pytest.mark.parametrize(("name", "data", "rows"), [
    ("bom.csv", b"\xef\xbb\xbfid,v\n1,x\n", 1),
    ("unterminated.csv", b'a,b\n"","0"\n"",""', 2),  # the last line counts in the inferred types
    ("header.csv", b"id,v", 0),
    # mtime=0: the bytes (in the test's id) the same in every pytest-xdist worker's collection
    ("multi.csv.gz", gzip.compress(b"id\n1\n", mtime=0) + gzip.compress(b"2\n3\n", mtime=0), 3),
    ("p.parquet.gz", gzip.compress(_parquet(pa.table({"id": [1, 2]}))), 2),  # read out of order: unpacked first
    ("quoted.csv", f'id,note\n1,"{SECRET}\nsecond line"\n'.encode(), 1),
    ("float.csv", b"id,x\n1,1e300\n2,-1e20\n", 2),
    ("obj.ndjson", b'\n{"a": {"b": "}}]]"}, "c": [1, 2]}\n\n{"a": null}\n', 2),
])
def test_good_files_load_whole(lake: lk.Lake, tmp_path: Path, name: str, data: bytes, rows: int) -> None:
    (tmp_path / name).write_bytes(data)
    assert lake.ingest("t.ok", str(tmp_path / name)).rows == rows
    assert lake.read("t.ok").num_rows == rows


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n"])
def test_an_empty_last_field_is_null_however_the_file_ends(lake: lk.Lake, tmp_path: Path, ending: bytes) -> None:
    (tmp_path / "e.csv").write_bytes(b'a,b\n"x",\n"",' + ending)  # the reader's type inference sees both lines
    lake.ingest("t.ends", str(tmp_path / "e.csv"))
    rows = sorted(lake.read("t.ends", columns=["a", "b"]).to_pylist(), key=lambda r: r["a"])
    assert rows == [{"a": "", "b": None}, {"a": "x", "b": None}]


def test_a_value_that_does_not_fit_the_table_names_its_column(lake: lk.Lake, tmp_path: Path) -> None:
    (tmp_path / "u.parquet").write_bytes(_parquet(pa.table({"n": pa.array([2**64 - 1], pa.uint64())})))
    with pytest.raises(SchemaConflict, match=r"column 'n' of 't.u' in .*u\.parquet: a value does not fit int64"):
        lake.ingest("t.u", str(tmp_path / "u.parquet"))
    when = pa.array([1_700_000_000_123_456_789], pa.timestamp("ns", tz="Europe/Helsinki"))
    (tmp_path / "t.parquet").write_bytes(_parquet(pa.table({"t": when})))
    with pytest.raises(SchemaConflict, match=r"column 't'.*timestamp"):
        lake.ingest("t.t", str(tmp_path / "t.parquet"))
    (tmp_path / "t2.parquet").write_bytes(_parquet(pa.table({"t": pa.array([1_700_000_000_123_456_000], when.type)})))
    lake.ingest("t.t", str(tmp_path / "t2.parquet"))
    assert lake.read("t.t").schema.field("t").type == pa.timestamp("us", tz="UTC")
    assert os.listdir(Path(lake.storage.root) / "t") == ["t"]  # the failed t.u left no folder


_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(_names, min_size=1, max_size=4))
def test_a_header_loads_as_written_or_is_refused(header: list[str]) -> None:
    schema = pa.schema([(n, pa.string()) for n in header])
    ok = all(n.strip() and all(c.isprintable() for c in n if c != " ") for n in header) \
        and len({n.lower() for n in header}) == len(header)
    try:
        columns.check("f.csv", schema)
    except SourceError as e:
        assert not ok and str(e).startswith("f.csv: column ")
    else:
        assert ok


def test_ndjson_failing_mid_file_exits_cleanly(tmp_path: Path) -> None:
    """pyarrow's streaming JSON reader, failing mid-file on a stream Python provided, aborted the
    interpreter at exit (SIGABRT) while its read-ahead thread still called into Python."""
    import subprocess
    import sys

    (tmp_path / "big.ndjson").write_bytes(b'{"id": 1}\n' * 150_000 + b"{oops\n" + b'{"id": 2}\n' * 1_000_000)
    cli = Path(sys.executable).parent / "lakekit"
    done = subprocess.run([str(cli), "ingest", "t.big", str(tmp_path / "big.ndjson"), "--lake", str(tmp_path / "lake"),
                           "--create"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {tmp_path / 'big.ndjson'}: malformed JSON: Missing a name "
                                                "for object member."]


_json_text = st.text(alphabet=st.sampled_from([*'ab"\\{}[]:, \n\t', "é", "\u2028"]), max_size=8)


def _nest(value: object, depth: int, kinds: list[bool]) -> object:
    for i in range(depth):
        value = {"k": value} if kinds[i % len(kinds)] else [value]
    return value


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=150)
@given(leaf=st.one_of(_json_text, st.integers(-(2**70), 2**70)), depth=st.integers(0, 80),
       kinds=st.lists(st.booleans(), min_size=1, max_size=4), keys=st.lists(_json_text, max_size=3))
def test_the_json_check_measures_nesting_and_integers_as_a_parser_would(leaf: object, depth: int, kinds: list[bool],
                                                                         keys: list[str]) -> None:
    from lakekit.sources.jsonfiles import check_text

    record = {"x": _nest(leaf, depth, kinds), **{k: k for k in keys}}
    line = json.dumps(record, ensure_ascii=False).encode()
    wide = isinstance(leaf, int) and not -(2**63) <= leaf < 2**63
    try:
        check_text("f.ndjson", line + b"\n" + line, 1, records=True)
    except SourceError as e:
        assert wide or _depth(record) > 64, str(e)
        assert ("64-bit" in str(e)) == wide or _depth(record) > 64
    else:
        assert not wide and _depth(record) <= 64


@pytest.mark.parametrize("header", [b"a,b,a\n1,2,3\n", b"a,\x00b\n1,2\n", b"id,v\n1,\xff\xfe\n"])
def test_a_refused_csv_header_never_opens_the_digest(tmp_path: Path, header: bytes) -> None:
    """The file is refused from a reader of its own: a reader over the digest's Python file, dropped
    while still reading ahead, is freed by an Arrow thread at exit and aborts the interpreter."""
    (tmp_path / "bad.csv").write_bytes(header)
    (src,) = resolve(str(tmp_path / "bad.csv"))
    digest = Digest()
    with pytest.raises(SourceError, match=r"bad\.csv"):
        read(src, None, digest)
    with pytest.raises(RuntimeError, match="never opened"):
        digest.checksum()
