"""Delta log files, rewritten so that their actions name replaced data files' copies: pure functions
from a log file's bytes to its new bytes (None: nothing to change), used by :mod:`lakekit.storage.history`.

A *target* is one replaced file's journal entry: ``new`` (its copy's path as the log spells it, or None
when the file's actions are dropped), ``size`` and ``stats`` (JSON text) of the copy.

Levels, applied to every log file in turn, each level finished before the next starts:

1. *widen*: next to each ``remove`` of an old file F, a ``remove`` of its copy F' (a remove of a file no
   version holds changes no version);
2. *swap*: each ``add``/``cdc`` of F names F' (or goes, when F' is None); commitInfo rewritten by the
   caller's function; each checkpoint naming F is written again, naming F', under another name
   (:func:`alternate`), the old one left in place;
3. *narrow*: checkpoints naming F are deleted, then the ``remove`` of F goes (final form).

Between any two file replacements every version holds either F or F', never both, never neither where
it held F: the reason for the three levels.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lakekit.storage import logfile
from lakekit.storage.history import stats

Targets = Mapping[str, Mapping[str, Any]]
TextRewrite = Callable[[dict[str, Any]], dict[str, Any]]
"""Rewrites one ``commitInfo`` dict; must be idempotent (it is applied again on resume)."""
TextFilter = Callable[[str], bool]
"""Given a ``commitInfo`` line of a log file as written (JSON text), False when its :data:`TextRewrite` surely
changes nothing: the line is then not parsed. Only asked of lines without an escape that may hide a character
(``\\u``, ``\\/``)."""

JSON = re.compile(r"^(\d{20})(\.\d{20}\.compacted)?\.json$")
CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(\.\d{10}\.\d{10})?\.parquet$")
V2_CHECKPOINT = re.compile(r"^\d{20}\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$")
CRC = re.compile(r"^(\d{20})\.crc$")
CODECS = {"SNAPPY": "snappy", "ZSTD": "zstd", "GZIP": "gzip", "BROTLI": "brotli", "LZ4": "lz4", "LZ4_RAW": "lz4"}
"""Parquet codec names as the file metadata spells them → pyarrow's (anything else: uncompressed)."""


@functools.lru_cache(maxsize=4096)
def log_kind(name: str) -> tuple[str, int] | None:
    """("json" | "checkpoint" | "crc", version) of a ``_delta_log`` file name; None for anything else
    (``_last_checkpoint``, temp files). Raises ValueError for a v2 checkpoint (not supported)."""
    if V2_CHECKPOINT.match(name):
        raise ValueError(f"v2 checkpoints are not supported ({name})")
    for kind, pattern in (("json", JSON), ("checkpoint", CHECKPOINT), ("crc", CRC)):
        if m := pattern.match(name):
            return kind, int(m.group(1))
    return None


def json_actions(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """(action type, action) of every line of a JSON log file."""
    return [(k, v) for action in logfile.actions(raw) for k, v in action.items() if isinstance(v, dict)]


def checkpoint_actions(raw: bytes, paths: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """The add/remove rows of a checkpoint that name one of ``paths``; ``stats_parsed`` stands in for
    ``stats`` when a checkpoint has no JSON stats."""
    table = pq.read_table(io.BytesIO(raw), columns=[c for c in ("add", "remove") if c in pq.read_schema(
        io.BytesIO(raw)).names])
    out = []
    for kind in table.column_names:
        column = table.column(kind)
        hit = pc.fill_null(pc.is_in(pc.struct_field(column, "path"), pa.array(sorted(paths), pa.string())), False)
        for row in column.filter(hit).to_pylist():
            parsed = row.pop("stats_parsed", None)
            if row.get("stats") is None and parsed is not None:
                row["stats"] = parsed
            out.append((kind, row))
    return out


def patched(kind: str, action: dict[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    """``action`` naming the copy: its path, size and stats (a remove without stats gets none). Partition
    values, modification time, tags, row ids and the rest stay."""
    out = {**action, "path": target["new"], "size": target["size"]}
    if "stats" in action and (kind != "remove" or action["stats"] is not None):
        out["stats"] = target["stats"]
    return out


def _action(kind: str, action: dict[str, Any], level: int, targets: Targets, removed: set[str],
            text_rewrite: TextRewrite | None) -> list[dict[str, Any]]:
    """The actions one action of a JSON log file becomes at ``level`` (``[action]``: unchanged).
    ``removed`` holds the paths the file removes, copies added so far included."""
    if kind == "commitInfo" and level >= 2 and text_rewrite is not None:
        return [text_rewrite(json.loads(json.dumps(action)))]
    target = targets.get(action.get("path", "")) if kind in ("add", "remove", "cdc") else None
    if target is None or (kind != "remove" and level < 2):
        return [action]
    if kind != "remove":
        return [] if target["new"] is None else [patched(kind, action, target)]
    copy = [] if target["new"] is None or target["new"] in removed else [patched(kind, action, target)]
    removed.update(a["path"] for a in copy)
    return copy if level == 3 else [action, *copy]


def spellings(paths: Iterable[str]) -> tuple[str, ...]:
    """What a log line naming one of ``paths`` (as ``add.path`` spells them) surely holds: the path's last
    segment, which JSON spells as it is (a writer may escape a ``/``, not the characters of a URL-encoded file
    name, unless with ``\\u``: see :func:`may_name`)."""
    return tuple(sorted({p.rsplit("/", 1)[-1] for p in paths}))


def may_name(text: str | bytes, spelled: tuple[str, ...]) -> bool:
    """Whether ``text`` (a log file or line) may name a path of ``spelled`` (:func:`spellings`): a substring test,
    no parsing; a ``\\u`` escape, which may spell any character, makes it a candidate too."""
    if isinstance(text, bytes):
        return any(s.encode() in text for s in spelled) or b"\\u" in text
    return any(s in text for s in spelled) or "\\u" in text


@dataclass(frozen=True)
class Edit:
    """What a rewrite changes in JSON log files: the replaced files' ``targets``, and ``commitInfo`` through
    ``text_rewrite`` (its ``text_filter`` sparing the lines it would leave alone)."""

    targets: Targets
    text_rewrite: TextRewrite | None = None
    text_filter: TextFilter | None = None

    @functools.cached_property
    def spelled(self) -> tuple[str, ...]:
        """:func:`spellings` of the replaced files and their copies (at first use: once the copies are named)."""
        return spellings([*self.targets, *(t["new"] for t in self.targets.values() if t["new"])])

    def parses(self, line: str, level: int, naming: bool) -> bool:
        """Whether a line of a log file is parsed at ``level`` (``naming``: the file may name a target)."""
        if not line.strip():
            return False
        if naming and may_name(line, self.spelled):
            return True
        if level < 2 or self.text_rewrite is None or ('"commitInfo"' not in line and "\\u" not in line):
            return False
        return self.text_filter is None or "\\u" in line or "\\/" in line or self.text_filter(line)


def rewrite_json(raw: bytes, level: int, edit: Edit) -> bytes | None:
    """A commit or log compaction at ``level``; None when it is there already. Lines left alone keep
    their exact bytes; rewritten ones are compact JSON, as delta-rs writes them. Only the lines
    :meth:`Edit.parses` are parsed: those that may name a replaced file or its copy and, from level 2,
    the ``commitInfo`` lines the text rewrite may change."""
    naming = may_name(raw, edit.spelled)
    if not naming and (level < 2 or edit.text_rewrite is None):
        return None
    lines = raw.decode().split("\n")
    parsed = [json.loads(line) if edit.parses(line, level, naming) else None for line in lines]
    removed = {a["remove"]["path"] for a in parsed if a and isinstance(a.get("remove"), dict)}
    out: list[str] = []
    for line, action in zip(lines, parsed, strict=True):
        kind = next(iter(action)) if action and len(action) == 1 else ""
        new = _action(kind, action[kind], level, edit.targets, removed, edit.text_rewrite) if kind and action else None
        if new is None or (action is not None and new == [action[kind]]):
            out.append(line)
        else:
            out += [json.dumps({kind: a}, separators=(",", ":"), ensure_ascii=False) for a in new]
    return None if out == lines else "\n".join(out).encode()


def checkpoint_sets(names: Iterable[str]) -> dict[int, dict[int, list[str]]]:
    """Version → parts count (0: classic single file) → the part files present, sorted."""
    out: dict[int, dict[int, list[str]]] = {}
    for name in names:
        if m := CHECKPOINT.match(name):
            parts = int(m.group(2).rsplit(".", 1)[1]) if m.group(2) else 0
            out.setdefault(int(m.group(1)), {}).setdefault(parts, []).append(name)
    return {v: {n: sorted(p) for n, p in sets.items()} for v, sets in out.items()}


def complete(parts: int, names: list[str]) -> bool:
    return len(names) == max(parts, 1)


def alternate(version: int, parts: int) -> tuple[int, str]:
    """Where the rewrite of a checkpoint goes: a classic one becomes a one-part multi-part checkpoint (which
    delta-rs 1.6.6 prefers when both exist), a multi-part one a classic one. Never the same name: a Parquet
    file replaced in place breaks readers that listed the log before (they read it by the listed size)."""
    if parts == 0:
        return 1, f"{version:020d}.checkpoint.0000000001.0000000001.parquet"
    return 0, f"{version:020d}.checkpoint.parquet"


def rewrite_checkpoint(parts: list[bytes], targets: Targets) -> bytes | None:
    """The parts of one checkpoint as one file in which rows naming an old file name its copy (``stats`` and
    ``stats_parsed`` recomputed, partition values kept) or go; tombstones are not doubled. The first part's
    exact Arrow schema and codec stay, and the row order. None when no row names a replaced file. (A
    checkpoint is one snapshot: it needs no widening.)"""
    files = [pq.ParquetFile(io.BytesIO(raw)) for raw in parts]
    table = pa.concat_tables([f.read() for f in files]).combine_chunks()
    old = pa.array(sorted(targets), pa.string())
    hit = pa.repeat(pa.scalar(False), table.num_rows)
    for kind in ("add", "remove"):
        if kind in table.column_names:
            paths = pc.struct_field(table.column(kind).combine_chunks(), "path")
            hit = pc.or_(hit, pc.fill_null(pc.is_in(paths, old), False))
    if not pc.any(hit).as_py():
        return None
    index = pa.array(range(table.num_rows), pa.int64())
    kept = table.filter(pc.invert(hit))
    removed: set[str] = set()
    if "remove" in table.column_names:
        paths = pc.struct_field(kept.column("remove"), "path")
        copies = pa.array([t["new"] for t in targets.values() if t["new"]], pa.string())
        removed = set(paths.filter(pc.fill_null(pc.is_in(paths, copies), False)).to_pylist())
    rows, positions = [], []
    for row, position in zip(table.filter(hit).to_pylist(), index.filter(hit).to_pylist(), strict=True):
        kind = "add" if row.get("add") and row["add"]["path"] in targets else "remove"
        target = targets[row[kind]["path"]]
        if target["new"] is None or (kind == "remove" and target["new"] in removed):
            continue
        row[kind] = patched(kind, row[kind], target)
        if kind == "remove":
            removed.add(target["new"])
        if "stats_parsed" in row[kind]:
            parsed_type = table.schema.field(kind).type.field("stats_parsed").type
            row[kind]["stats_parsed"] = stats.typed(json.loads(target["stats"] or "null"), parsed_type)
        rows.append(row)
        positions.append(position)
    merged = pa.concat_tables([kept, pa.Table.from_pylist(rows, schema=table.schema)])
    order = pc.sort_indices(pa.concat_arrays([index.filter(pc.invert(hit)), pa.array(positions, pa.int64())]))
    meta = files[0].metadata
    codec = meta.row_group(0).column(0).compression if meta.num_row_groups else "UNCOMPRESSED"
    sink = pa.BufferOutputStream()
    pq.write_table(merged.take(order), sink, compression=CODECS.get(codec, "none"),
                   store_schema=b"ARROW:schema" in (meta.metadata or {}))
    return bytes(sink.getvalue().to_pybytes())


def checkpoint_facts(parts: list[bytes]) -> dict[str, int]:
    """What ``_last_checkpoint`` says of a checkpoint made of ``parts``: bytes, actions, add actions."""
    tables = [pq.read_table(io.BytesIO(p), columns=["add"]) for p in parts]
    return {"sizeInBytes": sum(len(p) for p in parts), "size": sum(t.num_rows for t in tables),
            "numOfAddFiles": sum(t.num_rows - t.column("add").null_count for t in tables)}
