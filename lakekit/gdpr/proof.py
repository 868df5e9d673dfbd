"""The proof of an erasure: every file under the lake root decoded and searched for the subject.

Not only the tables' current files: every Parquet file (values of every column, nested ones
included, and the statistics in its footer), every Arrow file (journal entries), every Delta log
file (JSON commits line by line, checkpoints as Parquet: their ``add.stats`` too,
``_last_checkpoint``, checksums), lakekit's own tables and files, run artifacts (gzip and zstd
decompressed), anything else as bytes; and every file's name. Strings are looked for as
:mod:`lakekit.gdpr.needles` says; an integer identifier also as a value of a column named like one
that holds its kind.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import zstandard

from lakekit.core.evolution import plain_type
from lakekit.core.results import Result
from lakekit.gdpr.needles import Needles
from lakekit.storage.delta import META_NAMESPACE, Storage


@dataclass(frozen=True)
class Occurrence(Result):
    """Where the subject is still spelled: a file (relative to the root), what part of it, how often."""

    path: str
    where: str
    count: int

    def __str__(self) -> str:
        return f"{self.path}: {self.count} in {self.where}"


def _leaves(name: str, column: pa.ChunkedArray | pa.Array) -> Iterator[tuple[str, pa.Array | pa.ChunkedArray]]:
    """Every leaf of a (nested) column with its dotted name: struct fields, list items, map keys/values."""
    kind = column.type
    if pa.types.is_struct(kind):
        for i, field in enumerate(kind):
            yield from _leaves(f"{name}.{field.name}", pc.struct_field(column, [i]))
    elif pa.types.is_map(kind):
        flat = pa.concat_arrays(column.chunks) if isinstance(column, pa.ChunkedArray) else column
        yield from _leaves(f"{name}.key", flat.keys)
        yield from _leaves(f"{name}.value", flat.items)
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        yield from _leaves(f"{name}[]", pc.list_flatten(column))
    else:
        yield name, column


def _count(name: str, values: pa.Array | pa.ChunkedArray, needles: Needles, numbers: Mapping[str, set[int]],
           documents: bool) -> int:
    """How many values of one leaf column spell the subject (``documents``: its strings are JSON or
    SQL, where a short integer counts next to a column of its kind)."""
    kind = plain_type(values.type)
    if kind != values.type:
        values = values.cast(kind)
    if pa.types.is_string(kind):
        found = pc.sum(needles.mask(values)).as_py() or 0
        if not found and documents:  # short ids compared in SQL, literals inside recorded Substrait filters
            found = sum(1 for v in values.to_pylist() if v is not None and needles.redact_document(v) != v)
        return int(found)
    if pa.types.is_binary(kind):
        return sum(1 for v in values.to_pylist() if v is not None and needles.holds(v.decode("latin-1")))
    wanted = numbers.get(name.rsplit(".", 1)[-1].lower())
    if wanted and pa.types.is_integer(kind):
        return int(pc.sum(pc.is_in(values, pa.array(sorted(wanted), kind))).as_py() or 0)
    return 0


def _parquet(data: bytes, needles: Needles, numbers: Mapping[str, set[int]],
             documents: bool) -> Iterator[tuple[str, int]]:
    """(where, count) in one Parquet file: footer statistics, then values."""
    file = pq.ParquetFile(pa.BufferReader(data))
    meta = file.metadata
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            chunk = meta.row_group(g).column(c)
            stats = chunk.statistics
            if stats is None or not stats.has_min_max:
                continue
            bounds = [stats.min, stats.max]
            wanted = numbers.get(chunk.path_in_schema.rsplit(".", 1)[-1].lower(), set())
            hits = sum(1 for b in bounds if (isinstance(b, str | bytes) and needles.holds(
                b if isinstance(b, str) else b.decode("latin-1"))) or (isinstance(b, int) and b in wanted))
            if hits:
                yield f"footer statistics of {chunk.path_in_schema}", hits
    yield from _values(file.read(), needles, numbers, documents)


def _values(table: pa.Table, needles: Needles, numbers: Mapping[str, set[int]],
            documents: bool) -> Iterator[tuple[str, int]]:
    """(where, count) in the values of every column of ``table``, nested ones leaf by leaf."""
    for name, column in zip(table.column_names, table.columns, strict=True):
        for leaf, values in _leaves(name, column):
            if found := _count(leaf, values, needles, numbers, documents):
                yield f"values of {leaf}", found


def _text(data: bytes, needles: Needles) -> int:
    return sum(1 for line in data.decode("latin-1").splitlines() if needles.holds(line))


def _decompressed(path: str, data: bytes) -> bytes:
    try:
        if path.endswith(".gz"):
            return gzip.decompress(data)
        if path.endswith(".zst"):
            return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(data))
    except (OSError, EOFError, zstandard.ZstdError):
        return data
    return data


def scan_root(storage: Storage, needles: Needles, kinds: Mapping[str, str],
              known: Mapping[str, set[Any]]) -> list[Occurrence]:
    """Every place under the root that still spells the subject (``kinds``: column name → kind)."""
    numbers: dict[str, set[int]] = {}
    for column, kind in kinds.items():
        ints = {v for v in known.get(kind, ()) if isinstance(v, int) or (isinstance(v, str) and v.isdigit())}
        if ints:
            numbers[column.lower()] = {int(v) for v in ints}
    if not needles and not numbers:
        return []
    fs, base = storage.files()
    found = []
    for full in sorted(p for p in fs.find(base) if not p.endswith("/")):  # an object store's folder markers
        path = full.removeprefix(f"{base}/")
        shown = needles.redact(path)  # an occurrence names its file, never the identifier in its name
        if shown != path:
            found.append(Occurrence(shown, "its name", 1))
        try:
            with fs.open(full, "rb") as f:
                data = _decompressed(path, f.read())
        except FileNotFoundError:  # removed since the listing
            continue
        documents = path.startswith(META_NAMESPACE) or "/_delta_log/" in path
        if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
            found += [Occurrence(shown, where, n) for where, n in _parquet(data, needles, numbers, documents)]
        elif data[:6] == b"ARROW1":  # a journal entry (Arrow IPC)
            found += [Occurrence(shown, where, n) for where, n in _values(ipc.open_file(pa.BufferReader(data))
                                                                         .read_all(), needles, numbers, documents)]
        elif count := _text(data, needles):
            found.append(Occurrence(shown, "text", count))
    return found
