"""Rewrite a Delta table's history: replace data files in every version that uses them.

``rewrite_history`` writes a redacted copy of each replaced data file under a new name, points every
action of the log that names the old file at the copy (JSON commits, log compactions, classic and
multi-part checkpoints, ``_last_checkpoint``) and deletes the old file last. Every version that was
readable stays readable — through delta-rs, polars and any engine reading the log — and shows the
copies' rows.

Invariants, at every instant and across a ``kill -9`` anywhere:

* every version reads: copies exist before the log names them, old files go only once no log file names
  them, and each log file is replaced whole (temp file + ``os.replace`` locally; one PUT on an object
  store, which has no rename);
* no version shows a file twice or loses one: removes are widened, adds swapped, removes narrowed, each
  phase finished before the next (see :mod:`history_log`);
* a journal in ``journal_dir`` is written before the first change and after each phase; calling
  ``rewrite_history`` again resumes it. Each step is idempotent: a log file is written only when the
  content its phase wants differs from what it holds.

Concurrent appends are safe: they add commits naming no replaced file. A log file another writer adds
during the rewrite that names an old file (a checkpoint built from a log read before the swap) is
rewritten too: the final phase passes over the log until a pass changes nothing, old files are deleted,
and one more pass repairs stragglers (reported in ``RewriteReport.concurrent``). Writers that *rewrite*
a replaced file at the same time (delete, merge, optimize) are not supported: they may copy the old rows.
A vacuum with a retention shorter than the rewrite may take a copy before the log names it: refused.

Refused before any change: deletion vectors on a replaced file, v2 checkpoints, absolute paths. ``.crc``
files of affected versions are deleted (they are optional; their sizes would be wrong).

Readers: a ``DeltaTable`` opened before the rewrite keeps its file list in memory (``update_incremental``
and a forward ``load_as_version`` keep it too; delta-rs 1.6.6) and fails on a deleted old file: open a new
handle. ``create_checkpoint`` on such a handle reads the log again and is safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from lakekit.storage import history_log as log
from lakekit.storage import history_stats as stats
from lakekit.storage.history_log import TextRewrite

LOG = "_delta_log"
JOURNAL_FORMAT = "delta-history-rewrite/1"
PHASES = ("write", "widen", "swap", "narrow", "delete")
_TMP = ".history-tmp-"

Progress = Callable[[str], None]
"""Called with a step's name (``write:<path>``, ``swap:<log file>``, ``delete:<path>``, ``journal:<phase>``...)
before the step changes anything: for logging, and for tests to stop the process at a chosen point."""


class HistoryError(Exception):
    """The rewrite cannot start or go on; nothing was changed unless the message says so."""


@dataclass
class RewriteReport:
    """What one call did (a resumed call reports its own share of the work)."""

    table_uri: str
    replaced: dict[str, str | None]
    """Old path → new path, as the log spells them (None: the file held only removed rows; its actions went)."""
    rows: dict[str, int]
    """Old path → rows of its copy."""
    commits_rewritten: list[str] = field(default_factory=list)
    checkpoints_rewritten: list[str] = field(default_factory=list)
    crc_deleted: list[str] = field(default_factory=list)
    files_deleted: list[str] = field(default_factory=list)
    concurrent: list[str] = field(default_factory=list)
    """Log files another writer added during the rewrite that named an old file (rewritten too)."""
    bytes_written: int = 0
    passes: int = 0
    resumed: bool = False
    seconds: float = 0.0


class Store:
    """Files under one root through ``pyarrow.fs``. ``put`` is atomic: locally a fsynced temp file moved over
    the target with ``os.replace``; on an object store a single PUT of the final key."""

    def __init__(self, fs: pafs.FileSystem, root: str, local: bool) -> None:
        self.fs, self.root, self.local = fs, root.rstrip("/"), local

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def list(self, folder: str) -> dict[str, tuple[int, int]]:
        """Name → (size, mtime in ns) of the files directly in ``folder`` (empty when it does not exist)."""
        infos = self.fs.get_file_info(pafs.FileSelector(self.path(folder), allow_not_found=True))
        return {i.base_name: (i.size or 0, i.mtime_ns or 0) for i in infos if i.type == pafs.FileType.File}

    def read(self, rel: str) -> bytes | None:
        try:
            with self.fs.open_input_stream(self.path(rel)) as f:
                return bytes(f.read())
        except FileNotFoundError:
            return None

    def size(self, rel: str) -> int | None:
        info = self.fs.get_file_info(self.path(rel))
        return info.size if info.type == pafs.FileType.File else None

    def put(self, rel: str, data: bytes) -> None:
        target = Path(self.path(rel))
        if not self.local:
            with self.fs.open_output_stream(str(target)) as f:
                f.write(data)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f"{_TMP}{uuid.uuid4().hex}"
        with temp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        temp.replace(target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def delete(self, rel: str) -> bool:
        try:
            self.fs.delete_file(self.path(rel))
            return True
        except FileNotFoundError:
            return False


def open_store(uri: str, storage_options: Mapping[str, str] | None = None) -> Store:
    """A store for a local path, ``file://``, ``s3://`` (delta-rs style options) or any fsspec URL."""
    if "://" not in uri or uri.startswith("file://"):
        return Store(pafs.LocalFileSystem(), str(Path(uri.removeprefix("file://")).absolute()), True)
    opts = {k.upper(): v for k, v in (storage_options or {}).items()}
    if uri.startswith(("s3://", "s3a://")):
        endpoint = opts.get("AWS_ENDPOINT_URL", "")
        s3 = pafs.S3FileSystem(access_key=opts.get("AWS_ACCESS_KEY_ID"), secret_key=opts.get("AWS_SECRET_ACCESS_KEY"),
                               session_token=opts.get("AWS_SESSION_TOKEN"), region=opts.get("AWS_REGION"),
                               endpoint_override=endpoint.split("://", 1)[-1] or None,
                               scheme="http" if endpoint.startswith("http://") else "https")
        return Store(s3, uri.split("://", 1)[1], False)
    import fsspec

    fs, root = fsspec.core.url_to_fs(uri)
    return Store(pafs.PyFileSystem(pafs.FSSpecHandler(fs)), root, False)


def read_file(table_uri: str, path: str, *, storage_options: Mapping[str, str] | None = None) -> pa.Table:
    """The rows of one data file (``path`` as in the log) with its physical schema: what a replacement
    starts from (filter it, then pass it to :func:`rewrite_history`)."""
    store = open_store(table_uri, storage_options)
    with store.fs.open_input_file(store.path(unquote(path))) as f:
        return pq.read_table(f)


def journal_name(table_uri: str) -> str:
    """The journal's file name in ``journal_dir``: one rewrite per table at a time."""
    return f"history-{hashlib.sha256(table_uri.rstrip('/').encode()).hexdigest()[:16]}.json"


def rewrite_history(table_uri: str, replacements: Mapping[str, pa.Table | None], *, journal_dir: str,
                    storage_options: Mapping[str, str] | None = None, text_rewrite: TextRewrite | None = None,
                    store: Store | None = None, progress: Progress | None = None,
                    max_passes: int = 20) -> RewriteReport:
    """Replace data files in every version of the table (see the module's docstring).

    ``replacements`` maps a data file's path as in ``add.path`` (URL-encoded, relative to the table) to
    its new rows: the file's physical columns (as :func:`read_file` gives them; other columns, such as
    partition columns, are ignored), cast to the file's schema. ``None`` or no rows drops the file's
    actions from the log instead. ``text_rewrite`` rewrites the ``commitInfo`` of every commit, whether
    or not it names a replaced file. ``store`` overrides the filesystem (rooted at the table).

    With a journal for this table in ``journal_dir`` the call resumes it: ``replacements`` may then be
    empty, except while the copies were still being written (pass the same ones again).
    """
    started = time.monotonic()
    store = store or open_store(table_uri, storage_options)
    journal = _Journal(open_store(journal_dir, storage_options), journal_name(table_uri))
    state = journal.load()
    resumed = state is not None
    if state is None:
        if not replacements:
            raise HistoryError("no replacements given and no journal to resume")
        state = _plan(store, table_uri, replacements, text_rewrite is not None)
        _step(progress, "journal:write")
        journal.save(state)
    elif replacements and set(replacements) != set(state["files"]):
        raise HistoryError(f"a rewrite of other files is unfinished; resume it first (journal {journal.name})")
    elif state["text_rewrite"] and text_rewrite is None:
        raise HistoryError("the unfinished rewrite rewrites commitInfo: pass the same text_rewrite to resume")
    run = _Run(store, state, text_rewrite, progress, RewriteReport(table_uri, {}, {}, resumed=resumed))
    if state["phase"] == "write":
        if not replacements:
            raise HistoryError("the unfinished rewrite was writing copies: pass the same replacements again")
        run.write_copies(replacements)
        _advance(journal, state, progress)
    run.check_copies()
    for level, phase in enumerate(("widen", "swap", "narrow"), start=1):
        if state["phase"] == phase:
            run.converge(level, max_passes)
            _advance(journal, state, progress)
    for old in state["files"]:
        _step(progress, f"delete:{old}")
        if store.delete(unquote(old)):
            run.report.files_deleted.append(old)
    run.clean.clear()  # read every log file again: repair a checkpoint written from a log read before the swap
    run.converge(3, max_passes)
    _step(progress, "journal:done")
    journal.delete()
    run.report.replaced = {old: t["new"] for old, t in state["files"].items()}
    run.report.rows = {old: t["rows"] for old, t in state["files"].items()}
    run.report.seconds = time.monotonic() - started
    return run.report


def _step(progress: Progress | None, name: str) -> None:
    if progress is not None:
        progress(name)


def _advance(journal: _Journal, state: dict[str, Any], progress: Progress | None) -> None:
    following = PHASES[PHASES.index(state["phase"]) + 1]
    _step(progress, f"journal:{following}")
    state["phase"] = following
    journal.save(state)


class _Journal:
    """The rewrite's state, one JSON file replaced whole at each change. It names files and columns and
    holds the copies' stats, never the old files' stats or rows:

    ``{"format", "table", "id", "phase": write|widen|swap|narrow|delete, "start_version": latest commit
    at the start, "first_version": oldest log file naming an old file, "log_files": those naming one,
    "text_rewrite": bool, "files": {old path: {"new", "rows", "size", "stats", "template"}}}``
    """

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name

    def load(self) -> dict[str, Any] | None:
        raw = self.store.read(self.name)
        if raw is None:
            return None
        state: dict[str, Any] = json.loads(raw)
        if state.get("format") != JOURNAL_FORMAT:
            raise HistoryError(f"{self.name} is not a journal this code can resume")
        return state

    def save(self, state: dict[str, Any]) -> None:
        self.store.put(self.name, json.dumps(state, indent=1).encode())

    def delete(self) -> None:
        self.store.delete(self.name)


def _kind(name: str) -> tuple[str, int] | None:
    try:
        return log.log_kind(name)
    except ValueError as e:
        raise HistoryError(str(e)) from None


def _plan(store: Store, uri: str, replacements: Mapping[str, pa.Table | None], texts: bool) -> dict[str, Any]:
    """The journal of a new rewrite, after checking that the log names every replaced file and gives none
    a deletion vector. Changes nothing."""
    bad = [p for p in replacements if "://" in p or p.startswith("/")]
    if bad:
        raise HistoryError(f"absolute paths are not supported: {bad[0]}")
    found: dict[str, dict[str, Any]] = {}
    naming: list[str] = []
    first, latest = None, -1
    for name in sorted(store.list(LOG)):
        kind = _kind(name)
        if kind is None or kind[0] == "crc":
            continue
        if log.JSON.match(name) and ".compacted." not in name:
            latest = max(latest, kind[1])
        raw = store.read(f"{LOG}/{name}") or b""
        actions = log.json_actions(raw) if kind[0] == "json" else log.checkpoint_actions(raw, set(replacements))
        hits = [(k, a) for k, a in actions if k in ("add", "remove", "cdc") and a.get("path") in replacements]
        for k, a in hits:
            if a.get("deletionVector"):
                raise HistoryError(f"{a['path']} has a deletion vector in {name}: not supported")
            entry = found.setdefault(a["path"], {})
            if a.get("stats") is not None and (k != "remove" or "stats" not in entry):
                entry["stats"] = a["stats"]  # an add's stats rather than a remove's
        if hits:
            naming.append(name)
            first = kind[1] if first is None else min(first, kind[1])
    missing = sorted(set(replacements) - set(found))
    if missing:
        raise HistoryError(f"the log names no file {missing[0]!r} (paths are as in add.path, URL-encoded)")
    files = {p: {"new": _new_name(p), "rows": 0, "size": 0, "stats": None,
                 "template": stats.template(found[p].get("stats"))} for p in sorted(replacements)}
    return {"format": JOURNAL_FORMAT, "table": uri, "id": uuid.uuid4().hex, "phase": "write",
            "start_version": latest, "first_version": first, "log_files": naming, "text_rewrite": texts,
            "files": files}


def _new_name(old: str) -> str:
    """A fresh data file name in the old file's folder (the folder part stays as the log spells it)."""
    folder = old.rsplit("/", 1)[0] + "/" if "/" in old else ""
    return f"{folder}part-00000-redacted-{uuid.uuid4()}-c000.parquet"


class _Run:
    """One call's work on the table: copies, log passes, the report."""

    def __init__(self, store: Store, state: dict[str, Any], text_rewrite: TextRewrite | None,
                 progress: Progress | None, report: RewriteReport) -> None:
        self.store, self.state, self.text_rewrite, self.progress, self.report = (
            store, state, text_rewrite, progress, report)
        self.targets: dict[str, dict[str, Any]] = state["files"]
        self.clean: dict[str, tuple[tuple[int, int], int]] = {}  # log file → ((size, mtime), level) it is at

    def write_copies(self, replacements: Mapping[str, pa.Table | None]) -> None:
        """Write every copy (all again on resume: the log names none yet), with the old file's schema
        (field ids included) and codec; record sizes, rows and stats in the state."""
        for old, rows in replacements.items():
            target = self.targets[old]
            _step(self.progress, f"write:{old}")
            if rows is None or rows.num_rows == 0:
                target.update(new=None, rows=0, size=0, stats=None)
                continue
            with self.store.fs.open_input_file(self.store.path(unquote(old))) as f:
                file = pq.ParquetFile(f)
                meta, schema = file.metadata, file.schema_arrow
            missing = [n for n in schema.names if n not in rows.column_names]
            if missing:
                raise HistoryError(f"the replacement of {old} lacks column {missing[0]!r}")
            data = pa.Table.from_arrays([rows.column(f.name).cast(f.type) for f in schema], schema=schema)
            codec = meta.row_group(0).column(0).compression if meta.num_row_groups else "SNAPPY"
            sink = pa.BufferOutputStream()
            pq.write_table(data, sink, compression=log.CODECS.get(codec, "none"))
            body = sink.getvalue().to_pybytes()
            target["new"] = target["new"] or _new_name(old)
            with self.store.fs.open_output_stream(self.store.path(unquote(target["new"]))) as out:
                out.write(body)  # one PUT; locally a torn file is harmless: no log names it, resume rewrites it
            target.update(rows=data.num_rows, size=len(body), stats=stats.compute(data, target["template"]))
            self.report.bytes_written += len(body)

    def check_copies(self) -> None:
        """Every copy is there, whole, before the log is touched (a vacuum may have taken one)."""
        for old, t in self.targets.items():
            if t["new"] is not None and self.store.size(unquote(t["new"])) != t["size"]:
                raise HistoryError(f"{t['new']} (replacing {old}) is missing or torn: vacuumed during the rewrite?")

    def converge(self, level: int, limit: int) -> None:
        """One pass at ``level`` 1 or 2; at level 3 passes until one changes nothing."""
        for _ in range(limit):
            if not self.log_pass(level) or level < 3:
                return
        raise HistoryError(f"the log kept changing for {limit} passes; call again to resume")

    def log_pass(self, level: int) -> bool:
        """Bring every log file to ``level``; whether any file changed. Deletes the optional ``.crc`` of
        every version from the first affected one on, and leftover temp files."""
        self.report.passes += 1
        changed = False
        listing = self.store.list(LOG)
        first = self.state["first_version"]
        for name, seen in sorted(listing.items()):
            kind = _kind(name)
            if name.startswith(_TMP):
                self.store.delete(f"{LOG}/{name}")
            if kind is None or self.clean.get(name) == (seen, level):
                continue
            if kind[0] == "crc":
                if first is not None and kind[1] >= first:
                    _step(self.progress, f"crc:{name}")
                    self.store.delete(f"{LOG}/{name}")
                    self.report.crc_deleted.append(name)
                continue
            raw = self.store.read(f"{LOG}/{name}")
            if raw is None:
                continue
            if kind[0] == "json":
                new = log.rewrite_json(raw, level, self.targets, self.text_rewrite)
            else:
                new = log.rewrite_checkpoint(raw, self.targets) if level >= 2 else None
            if new is None:
                self.clean[name] = (seen, level)
                continue
            _step(self.progress, f"{PHASES[level]}:{name}")
            self.store.put(f"{LOG}/{name}", new)
            changed = True
            self.report.bytes_written += len(new)
            (self.report.commits_rewritten if kind[0] == "json" else self.report.checkpoints_rewritten).append(name)
            if self._concurrent(name, kind[1]):
                self.report.concurrent.append(name)
        self._sync_last_checkpoint(listing)
        return changed

    def _concurrent(self, name: str, version: int) -> bool:
        """Whether another writer added this log file after the rewrite started."""
        if log.JSON.match(name) and ".compacted." not in name:
            return version > int(self.state["start_version"])
        return name not in self.state["log_files"]

    def _sync_last_checkpoint(self, listing: Mapping[str, tuple[int, int]]) -> None:
        """``_last_checkpoint``'s sizes follow the checkpoint it names (delta-rs 1.6.6 reads none of them,
        other readers may); its optional ``checksum`` cannot be kept and goes. A concurrent checkpointer's
        newer ``_last_checkpoint`` can be overwritten by an older one: only a hint, readers list on."""
        raw = self.store.read(f"{LOG}/_last_checkpoint")
        if raw is None:
            return
        last = json.loads(raw)
        parts = sorted(n for n in listing if (m := log.CHECKPOINT.match(n)) and int(m.group(1)) == last.get("version"))
        if not parts or (last.get("sizeInBytes") == sum(listing[p][0] for p in parts)
                         and not set(self.report.checkpoints_rewritten) & set(parts)):
            return
        facts = log.checkpoint_facts([self.store.read(f"{LOG}/{p}") or b"" for p in parts])
        wanted = {k: facts.get(k, v) for k, v in last.items() if k != "checksum"}
        if wanted != last:
            _step(self.progress, "last_checkpoint")
            self.store.put(f"{LOG}/_last_checkpoint", json.dumps(wanted, separators=(",", ":")).encode())
