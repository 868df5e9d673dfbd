"""JSON sources → Arrow batches: NDJSON (one object per line, streamed) and JSON arrays of objects.

pyarrow's JSON reader crashes the interpreter on some inputs (a first line ``null``: SIGSEGV;
objects nested ten thousand deep: SIGSEGV or a hang) and rounds integers beyond 64 bits into
``double``. So the text is checked before pyarrow sees it (:func:`check_text`): every line of
an NDJSON file must start an object, nesting stays within
:data:`~lakekit.sources.columns.MAX_DEPTH` levels, integers within 64 bits. The check runs on
each block before it is parsed, vectorised by Arrow's own string kernels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from lakekit.core.evolution import rebuilt
from lakekit.errors import SourceError, masked
from lakekit.sources import columns
from lakekit.sources.batches import BLOCK_SIZE, INT64, failure, guarded, table_types
from lakekit.sources.digest import Digest
from lakekit.sources.formats import Source, open_stream

MAX_DOCUMENT = 256 << 20
"""Largest JSON array file (uncompressed bytes): it is parsed whole, in memory."""
_STRING = r'"(?:[^"\\]|\\.)*"'
_WIDE = r"(?:^|[^\w.+-])-?\d{19,}(?:[^\w.]|$)"
_CONSTANT = r"(?:^|[^\w.])(-?(?:NaN|Inf(?:inity)?))(?:\W|$)"
"""What pyarrow's reader (and Python's) would take for a number although JSON has no such thing."""
_OBJECT_START = re.compile(rb"^[ \t\r]*\{", re.MULTILINE)
_WIDE_NUMBER = re.compile(r"(?<![\w.+-])-?\d{19,}(?![\w.])")
_NOT_AN_OBJECT = re.compile(rb"^[ \t\r]*[^{ \t\r\n]", re.MULTILINE)
_DIGITS = re.compile(rb"\d{19}")
_NOISE = bytes(b for b in range(256) if b not in b'"{}[]\n')
"""Every byte but what decides nesting: quotes (strings), brackets and line breaks."""
_STRING_SKELETON = re.compile(rb'"[^"\n]*"')
_LEVELS = bytes.maketrans(b"{[}]", b"(())")
_PARSE_ERROR = re.compile(r"JSON parse error: (.*?)(?: in row \d+)?$")


def check_text(uri: str, block: bytes, first_line: int, *, records: bool) -> None:
    """Refuse JSON text before a parser sees it: ``records`` (NDJSON), a non-blank line that does
    not start an object; any line nested deeper than the limit or holding an integer beyond 64
    bits. ``first_line`` is the number of the block's first line in the file.

    Bytes operations only (a few passes at C speed): escapes dropped, then every byte but quotes,
    brackets and line breaks, then the strings left (``""``), then innermost bracket pairs, one
    level per pass.

    >>> check_text("f.ndjson", b'{"a": [1, {"b": "}}\\\\"}], "c": "\\"{"}\\n\\n{"a": 2}', 1, records=True)
    >>> check_text("f.ndjson", b'{"a": 1}\\nnull\\n', 1, records=True)
    Traceback (most recent call last):
    ...
    lakekit.errors.SourceError: f.ndjson, line 2: not a JSON object (NDJSON holds one object per line)
    >>> check_text("f.json", b'[{"n": 18446744073709551616}]', 1, records=False)
    Traceback (most recent call last):
    ...
    lakekit.errors.SourceError: f.json, line 1: an integer beyond the 64-bit range
    >>> check_text("f.json", b'[' * 65 + b']' * 65, 1, records=False)
    Traceback (most recent call last):
    ...
    lakekit.errors.SourceError: f.json: nested deeper than 64 levels
    """
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(uri, "not UTF-8 text", line=first_line + block.count(b"\n", 0, e.start)) from None
    lines = block.count(b"\n") + (not block.endswith(b"\n"))
    if records and not (block.startswith(b"{") and block.count(b"\n{") == lines - 1) \
            and (stray := _NOT_AN_OBJECT.search(block)):  # the search only when some line does not start with {
        raise SourceError(uri, "not a JSON object (NDJSON holds one object per line)",
                          line=first_line + block.count(b"\n", 0, stray.start()))
    if _DIGITS.search(block):
        _check_integers(uri, block, first_line)
    if (b"NaN" in block or b"Inf" in block) and (found := _outside_strings(block, _CONSTANT)):
        at, text = found[0]
        name = re.search(_CONSTANT, text)
        raise SourceError(uri, f"{name.group(1) if name else 'NaN'} is not a JSON number", line=first_line + at)
    skeleton = block.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOISE if records else _NOISE + b"\n")
    skeleton = _STRING_SKELETON.sub(b"", skeleton.replace(b'""', b"")).translate(_LEVELS)
    for _ in range(columns.MAX_DEPTH):
        fewer = skeleton.replace(b"()", b"")
        if fewer == skeleton:
            return
        skeleton = fewer
    if b"()" in skeleton:
        line = first_line + skeleton.count(b"\n", 0, skeleton.index(b"()")) if records else None
        raise SourceError(uri, f"nested deeper than {columns.MAX_DEPTH} levels", line=line)


def _check_integers(uri: str, block: bytes, first_line: int) -> None:
    """Refuse an integer beyond 64 bits outside a string (a rare path: 19 digits in a row)."""
    for i, text in _outside_strings(block, _WIDE):
        if any(not -INT64 <= int(n) < INT64 for n in _WIDE_NUMBER.findall(text)):
            raise SourceError(uri, "an integer beyond the 64-bit range", line=first_line + i)


def _outside_strings(block: bytes, pattern: str) -> list[tuple[int, str]]:
    """(index, text with every string emptied) of the block's lines where ``pattern`` matches
    outside strings."""
    bare = pc.replace_substring_regex(pa.array(block.decode("utf-8").split("\n")), _STRING, '""')
    return [(i, bare[i].as_py()) for i in
            pc.indices_nonzero(pc.match_substring_regex(bare, pattern).fill_null(False)).to_pylist()]


def _blocks(src: Source, digest: Digest | None = None) -> Iterator[tuple[int, bytes]]:
    """``(first line, block)``: the file in blocks of whole lines of at most
    :data:`~lakekit.sources.batches.BLOCK_SIZE` bytes, each checked by :func:`check_text`
    (``digest`` hashes the bytes read)."""
    stream = open_stream(src, digest)
    pending, line = b"", 1
    try:
        while True:
            try:
                chunk = stream.read(BLOCK_SIZE)
            except (pa.ArrowException, OSError) as e:
                raise failure(src, e) from None
            data = pending + chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            if cut == 0 and len(data) > BLOCK_SIZE:
                raise SourceError(src.uri, f"a line longer than {BLOCK_SIZE >> 20} MiB (the reader's block)", line=line)
            block, pending = data[:cut], data[cut:]
            if block.strip():
                check_text(src.uri, block, line, records=True)
                yield line, block
            line += block.count(b"\n")
            if not chunk:
                return
    finally:
        stream.close()


def read_ndjson(src: Source, table: Mapping[str, pa.DataType] | None = None,
                digest: Digest | None = None) -> pa.RecordBatchReader:
    """The rows of one NDJSON file; ``table`` holds the column types of the table it goes into,
    ``digest`` hashes the bytes read.

    Each block is checked, then parsed by pyarrow from memory, here: pyarrow's streaming reader
    reads ahead in a thread, and when it fails mid-file on a stream Python provides, that thread
    is still calling into Python as the interpreter exits (SIGABRT). The first block's inferred
    types (with the table's where they differ) are every later block's schema. Inferred, a list
    whose first item is null comes out with offsets past its values (pyarrow 26), so a first block
    with lists is read again with its inferred schema."""
    blocks = _blocks(src, digest)
    first = next(blocks, None)
    if first is None:
        raise SourceError(src.uri, "empty: no header or records")
    head = _parse(src, *first, None)
    columns.check(src.uri, head.schema)
    fixed = table_types(head.schema, table)
    if fixed or any(_has_list(f.type) for f in head.schema):  # read without a schema, a list may be corrupt
        head = _parse(src, *first, pa.schema([pa.field(f.name, fixed.get(f.name, _settled(f.type)))
                                              for f in head.schema]))
    schema = head.schema

    def batches() -> Iterator[pa.RecordBatch]:
        yield from head.to_batches()
        for line, block in blocks:
            yield from _parse(src, line, block, schema, strict=True).to_batches()

    return guarded(src, pa.RecordBatchReader.from_batches(schema, batches()), lambda error: _explained(src, error))


def _parse(src: Source, first_line: int, block: bytes, schema: pa.Schema | None, *,
           strict: bool = False) -> pa.Table:
    """One block of NDJSON: with ``schema`` (a later block: exactly it, ``strict``; the first: as
    far as it goes), else its inferred types. A line holding more than one object, which the reader
    takes as several rows, is refused."""
    parse = None if schema is None else pajson.ParseOptions(
        explicit_schema=schema, unexpected_field_behavior="error" if strict else "infer")
    try:
        table = pajson.read_json(pa.BufferReader(block), read_options=pajson.ReadOptions(block_size=BLOCK_SIZE << 1),
                                 parse_options=parse)
    except (pa.ArrowException, OSError) as e:
        raise failure(src, e, lambda error: _explained(src, error)) from None
    if table.num_rows != len(_OBJECT_START.findall(block)):
        raise SourceError(src.uri, "more than one JSON value on a line (NDJSON holds one object per line)",
                          line=first_line + _crowded_line(block))
    return table


def _has_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or any(_has_list(t.field(i).type) for i in range(t.num_fields))


def _settled(t: pa.DataType) -> pa.DataType:
    """``t`` with its nulls taken as text, as a Delta table stores them (the reader corrupts a list
    of nulls even when told its type)."""
    return rebuilt(t, lambda leaf: pa.string() if pa.types.is_null(leaf) else leaf)


def _crowded_line(block: bytes) -> int:
    """The index of the first line of ``block`` with something after its object (a rare path)."""
    decoder = json.JSONDecoder()
    for i, line in enumerate(block.decode("utf-8").split("\n")):
        if line.strip():
            try:
                _, end = decoder.raw_decode(line.strip())
            except json.JSONDecodeError:
                return i
            if line.strip()[end:].strip():
                return i
    return 0


def _explained(src: Source, error: Exception) -> SourceError:
    found = _PARSE_ERROR.search(str(error).splitlines()[0] if str(error) else "")
    return SourceError(src.uri, f"malformed JSON: {masked(found.group(1))}" if found else "malformed JSON")


def read_json_array(src: Source, digest: Digest | None = None) -> pa.RecordBatchReader:
    """The rows of one JSON file holding an array of objects (read whole)."""
    try:
        with open_stream(src, digest) as stream:
            data = stream.read(MAX_DOCUMENT + 1)
    except (pa.ArrowException, OSError) as e:
        raise failure(src, e) from None
    if len(data) > MAX_DOCUMENT:
        raise SourceError(src.uri, f"a JSON array larger than {MAX_DOCUMENT >> 20} MiB is read whole: "
                                   "write it as NDJSON (one object per line), which streams")
    if not data.strip():
        raise SourceError(src.uri, "empty: no header or records")
    check_text(src.uri, data, 1, records=False)
    try:
        records = json.loads(data.decode("utf-8"),  # given bytes, json would take "[\0" for UTF-16
                             object_pairs_hook=_unique_keys(src.uri), parse_float=_finite(src.uri))
    except json.JSONDecodeError as e:
        raise SourceError(src.uri, "invalid JSON", line=e.lineno) from None
    except RecursionError:
        raise SourceError(src.uri, f"nested deeper than {columns.MAX_DEPTH} levels") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SourceError(src.uri, "expected a JSON array of objects (use format='ndjson' for one object per line)")
    names = list(dict.fromkeys(k for r in records for k in r))  # every record's keys, not the first's alone
    try:
        table = pa.Table.from_pydict({n: [r.get(n) for r in records] for n in names})
    except UnicodeEncodeError:  # Python's parser takes "\ud800" for a character; it is half of one
        raise SourceError(src.uri, "malformed JSON: a string escapes half of a surrogate pair") from None
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        raise SourceError(src.uri, f"mixed value types in field '{_mixed_field(records)}'") from None
    columns.check(src.uri, table.schema)
    return table.to_reader(max_chunksize=65536)


def _unique_keys(uri: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(items)
        if len(found) != len(items):
            raise SourceError(uri, "an object repeats a key (one of its values would be lost)")
        return found

    return pairs


def _finite(uri: str) -> Any:
    def number(text: str) -> float:
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise SourceError(uri, "a number beyond the range of a double")
        return value

    return number


def _mixed_field(records: list[dict[str, Any]]) -> str:
    for key in dict.fromkeys(k for r in records for k in r):
        try:
            pa.array([r.get(key) for r in records])
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return str(key)
    return "?"
