"""Run artifacts (files copied under ``_lakekit/artifacts/<run id>/`` by ``run.log_artifact``) that
hold a subject, in their content or their name: found, listed, and redacted or deleted.

Text, CSV and JSON lines are read as such, gzip- or zstd-compressed too (by the name's suffix):
a CSV row or JSON line whose column named like a tagged column (``email``, ``customer_id``)
holds one of the subject's identifiers is the subject's and is dropped; any other mention is
replaced by the placeholder (:mod:`lakekit.gdpr.needles`), and the file is written back (a new
file moved over the old one). A file of another format that spells an identifier cannot be
redacted safely: it is deleted, and the run that logged it can no longer be reproduced whole. A
file whose name spells an identifier (``alice@example.org.csv``) is reported under its redacted
name (``[erased:<hash>].csv``, the name the runs' records get when they are rewritten) and moved
there by an erasure; names that redact alike are told apart (``[erased:<hash>]-2.csv``), and the
run's record gets an entry for each.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import io
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import zstandard

from lakekit.core.results import Result
from lakekit.gdpr.needles import Needles
from lakekit.storage.delta import META_NAMESPACE, Storage

FOLDER = f"{META_NAMESPACE}/artifacts"
Format = Literal["text", "csv", "jsonl", "binary"]
_CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    ".gz": (gzip.decompress, lambda b: gzip.compress(b, mtime=0)),
    ".zst": (lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b),
             lambda b: zstandard.ZstdCompressor().compress(b)),
}
_EXTENSIONS = re.compile(r"^(.*?)((?:\.[A-Za-z0-9]{1,8})*)$", re.DOTALL)
"""A file name's stem and its extensions (``.csv.gz``)."""
_TEXT = {".txt": "text", ".log": "text", ".md": "text", ".sql": "text", ".csv": "csv", ".tsv": "csv",
         ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


@dataclass(frozen=True)
class ArtifactHit(Result):
    """One artifact holding the subject: the subject's rows (CSV, JSON lines) and other mentions."""

    run_id: str
    path: str
    """Relative to the lake root; redacted when the name spells the subject (see :attr:`renamed`)."""
    format: Format
    rows: int
    mentions: int
    renamed: bool = False
    """The file's name spells the subject: ``path`` is the name an erasure gives it."""

    @property
    def redactable(self) -> bool:
        return self.format != "binary"


def _format(path: str) -> tuple[Format, str | None]:
    """(format, compression suffix) from the name."""
    name = path.lower()
    codec = next((c for c in _CODECS if name.endswith(c)), None)
    stem = name.removesuffix(codec) if codec else name
    kind = next((f for suffix, f in _TEXT.items() if stem.endswith(suffix)), "binary")
    return kind, codec  # type: ignore[return-value]


def _rows(cells: Mapping[str, Any], known: Mapping[str, set[Any]], kinds: Mapping[str, str]) -> bool:
    """Whether a CSV row or JSON object is the subject's: a column named like a tagged one holds one
    of their identifiers of its kind (strings compared as text, e-mails ignoring case)."""
    for column, value in cells.items():
        kind = kinds.get(str(column))
        if kind is None or value is None:
            continue
        wanted = {str(v).strip().lower() for v in known.get(kind, ())}
        if str(value).strip().lower() in wanted:
            return True
    return False


def _redact(text: str, kind: Format, known: Mapping[str, set[Any]], kinds: Mapping[str, str],
            needles: Needles) -> tuple[str, int, int]:
    """(text without the subject, their rows dropped, other rows or lines changed)."""
    if kind == "jsonl":
        lines, dropped, changed = [], 0, 0
        for line in text.splitlines(keepends=True):
            try:
                value = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                value = None
            if isinstance(value, dict) and _rows(value, known, kinds):
                dropped += 1
                continue
            if value is None:
                new = needles.redact(line)
            else:
                redacted = needles.redact_json(value)
                new = line if redacted == value else json.dumps(redacted) + "\n"
            changed += new != line
            lines.append(new)
        return "".join(lines), dropped, changed
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        if rows:
            header, out, dropped, changed = rows[0], io.StringIO(), 0, 0
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([needles.redact(h) for h in header])
            for row in rows[1:]:
                if _rows(dict(zip(header, row, strict=False)), known, kinds):
                    dropped += 1
                    continue
                cells = [needles.redact(cell) for cell in row]
                changed += cells != row
                writer.writerow(cells)
            return (out.getvalue() if dropped or changed else text), dropped, changed
    redacted = needles.redact(text)
    return redacted, 0, sum(a != b for a, b in zip(text.splitlines(), redacted.splitlines(), strict=False))


def extract(storage: Storage, path: str, hit: ArtifactHit, needles: Needles, known: Mapping[str, set[Any]],
            kinds: Mapping[str, str]) -> list[str]:
    """The lines of the artifact stored at ``path`` that are the subject's or mention them (for an
    export): CSV rows under their header, JSON lines, text lines; nothing of a binary file."""
    text = _text(storage, path)
    if text is None:
        return []
    if hit.format == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        header = rows[0] if rows else []
        return [",".join(header)] + [",".join(r) for r in rows[1:] if _rows(dict(zip(header, r, strict=False)), known,
                                                                             kinds) or any(map(needles.holds, r))]
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line) if hit.format == "jsonl" and line.strip() else None
        except json.JSONDecodeError:
            value = None
        if (isinstance(value, dict) and _rows(value, known, kinds)) or needles.holds(line):
            found.append(line)
    return found


def _text(storage: Storage, path: str) -> str | None:
    fs, base = storage.files()
    kind, codec = _format(path)
    with fs.open(f"{base}/{path}", "rb") as f:
        raw = f.read()
    try:
        return (_CODECS[codec][0](raw) if codec else raw).decode() if kind != "binary" else None
    except (OSError, EOFError, zstandard.ZstdError, UnicodeDecodeError):
        return None


def _files(storage: Storage) -> list[str]:
    fs, base = storage.files()
    root = f"{base}/{FOLDER}"
    return sorted(p.removeprefix(f"{base}/") for p in fs.find(root)) if fs.exists(root) else []


def scan(storage: Storage, needles: Needles, known: Mapping[str, set[Any]] | None = None,
         kinds: Mapping[str, str] | None = None) -> dict[str, ArtifactHit]:
    """Every artifact holding the subject, by the path it is stored at (``kinds``: column name →
    kind, for CSV and JSON lines)."""
    found, contents = {}, {}
    for path, kind, data in _read(storage):
        contents[path] = data
        hit = _judge(path, kind, data, needles, known or {}, kinds or {})
        if hit is not None:
            found[path] = hit
    return _named(found, contents, needles, known or {}, kinds or {})


def _named(hits: Mapping[str, ArtifactHit], contents: Mapping[str, bytes], needles: Needles,
           known: Mapping[str, set[Any]], kinds: Mapping[str, str]) -> dict[str, ArtifactHit]:
    """``hits`` with each renamed artifact under a name no other file has: names that differed only by
    the subject's identifiers (``Al@x.org.csv`` and ``al@x.org.csv``, or an e-mail and an id of theirs)
    redact alike, so the second and later ones (by stored path) get ``-2``, ``-3``… before their
    extension. A name taken by a file holding exactly what this one becomes is its own (moved there
    before a crash cut the erasure short, the old name not yet removed)."""
    taken = {p for p in contents if p not in hits or not hits[p].renamed}
    named = dict(hits)
    for stored, hit in sorted(hits.items()):
        if not hit.renamed:
            continue
        becomes = _becomes(stored, hit, contents[stored], needles, known, kinds)
        name = next(n for n in (_numbered(hit.path, k) for k in itertools.count(1))
                    if n not in taken or contents.get(n) == becomes)
        taken.add(name)
        named[stored] = dataclasses.replace(hit, path=name)
    return named


def _numbered(path: str, k: int) -> str:
    """``path`` with ``-k`` before its extensions (itself for k = 1)."""
    if k == 1:
        return path
    folder, _, name = path.rpartition("/")
    stem, extensions = _EXTENSIONS.match(name).groups()  # type: ignore[union-attr]
    return f"{folder}/{stem}-{k}{extensions}"


def _becomes(stored: str, hit: ArtifactHit, data: bytes, needles: Needles, known: Mapping[str, set[Any]],
             kinds: Mapping[str, str]) -> bytes:
    """What an artifact holds (decompressed) once erased: redacted when it held the subject, else as it is."""
    if not (hit.rows or hit.mentions) or not hit.redactable:
        return data
    return _redact(data.decode(), _format(stored)[0], known, kinds, needles)[0].encode()


def _read(storage: Storage) -> list[tuple[str, Format, bytes]]:
    fs, base = storage.files()
    out = []
    for path in _files(storage):
        kind, codec = _format(path)
        try:
            with fs.open(f"{base}/{path}", "rb") as f:
                raw = f.read()
            data = _CODECS[codec][0](raw) if codec else raw
        except (OSError, EOFError, zstandard.ZstdError):
            kind, data = "binary", raw
        out.append((path, kind, data))
    return out


def _judge(path: str, kind: Format, data: bytes, needles: Needles, known: Mapping[str, set[Any]],
           kinds: Mapping[str, str]) -> ArtifactHit | None:
    inside = path.removeprefix(f"{FOLDER}/")  # <run id>/<name>, as run.log_artifact copies them
    run_id, renamed, shown = inside.split("/", 1)[0], needles.holds(inside), f"{FOLDER}/{needles.redact(inside)}"
    try:
        text = data.decode()
    except UnicodeDecodeError:
        text = None
    if kind == "binary" or text is None:
        held = needles.holds(data.decode("latin-1"))
        return ArtifactHit(run_id, shown, "binary", 0, int(held), renamed) if held or renamed else None
    _, dropped, changed = _redact(text, kind, known, kinds, needles)
    return ArtifactHit(run_id, shown, kind, dropped, changed, renamed) if dropped or changed or renamed else None


def plan(hits: Mapping[str, ArtifactHit]) -> dict[str, str | None]:
    """What :func:`erase` will do, by the path each artifact ends at: ``None`` (deleted: a binary file
    holding the subject) or ``"pending"`` (redacted or renamed)."""
    return {hit.path: None if not hit.redactable and hit.mentions else "pending" for hit in hits.values()}


def digest(storage: Storage, path: str) -> str | None:
    """The SHA-256 of the artifact at ``path`` (relative to the root); None when there is none."""
    fs, base = storage.files()
    try:
        with fs.open(f"{base}/{path}", "rb") as f:
            return f"sha256:{hashlib.sha256(f.read()).hexdigest()}"
    except FileNotFoundError:
        return None


def erase(storage: Storage, hits: Mapping[str, ArtifactHit], needles: Needles, known: Mapping[str, set[Any]],
          kinds: Mapping[str, str]) -> dict[str, str | None]:
    """Redact (or delete, when it cannot be redacted) each artifact holding the subject (``hits``: by
    the path it is stored at), under its redacted name; returns that path → its new SHA-256 (None:
    deleted). Each file is written whole beside and moved; a renamed file's old name is removed
    last (a crash in between leaves it to be found and erased again)."""
    fs, base = storage.files()
    done: dict[str, str | None] = {}
    for stored, hit in hits.items():
        old, new = f"{base}/{stored}", f"{base}/{hit.path}"
        if not hit.redactable and hit.mentions:
            if fs.exists(old):
                fs.rm(old)
            done[hit.path] = None
            continue
        with fs.open(old, "rb") as f:
            body = f.read()
        if hit.rows or hit.mentions:
            kind, codec = _format(stored)
            redacted, _, _ = _redact(_text(storage, stored) or "", kind, known, kinds, needles)
            body = _CODECS[codec][1](redacted.encode()) if codec else redacted.encode()
        with fs.open(f"{new}.redacted", "wb") as f:
            f.write(body)
        fs.mv(f"{new}.redacted", new)
        if new != old:
            fs.rm(old)
        done[hit.path] = f"sha256:{hashlib.sha256(body).hexdigest()}"
    return done
