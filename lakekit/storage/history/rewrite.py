"""Rewrite a Delta table's history: replace data files in every version that uses them.

``rewrite_history`` writes a redacted copy of each replaced data file under a new name, points every
action of the log that names the old file at the copy (JSON commits, log compactions, classic and
multi-part checkpoints, ``_last_checkpoint``) and deletes the old file last. Every version that was
readable stays readable — through delta-rs, polars and any engine reading the log — and shows the
copies' rows. Steps, each phase finished before the next (the journal records the phase):

1. *write*: the copies, which no log file names yet;
2. *widen*: next to each ``remove`` of an old file F, a ``remove`` of its copy F';
3. *swap*: each ``add``/``cdc`` names F' (or goes); each checkpoint naming F that a reader needs is written
   again under another name (a classic one as a one-part multi-part one, which delta-rs prefers, and back),
   the old left. A reader needs the newest checkpoint, the one ``_last_checkpoint`` names, and one whose
   versions cannot be replayed from commits instead (those since an earlier kept checkpoint, or since the
   first commit, are not all there); the others are not rewritten (:mod:`~lakekit.storage.history.spare`);
4. *narrow*: checkpoints naming F are deleted, then the ``remove`` of F goes; passes until one changes nothing;
5. *delete*: the old files, then one more pass over the log (stragglers), then the journal.

Invariants, at every instant and across a ``kill -9`` anywhere:

* every version reads, and shows each file once or its copy once: copies exist before the log names them;
  JSON files are replaced whole (temp file + ``os.replace`` locally, one PUT on an object store, which has
  no rename); a Parquet checkpoint is never replaced in place (a reader that listed the log reads it by the
  listed size: "Requested range was invalid", seen); old files go only once no log file names them;
* calling ``rewrite_history`` again resumes from the journal; every step is idempotent (a log file is written
  only when the content its phase wants differs from what it holds);
* durability, one sync (:meth:`Store.sync`) at the end of *write*, *widen* and *swap* when they changed
  something: their changes are durable before the next phase changes the log and before an old file goes.
  *narrow* only takes names of old files away (a ``remove``, checkpoints naming one) and rewrites
  ``_last_checkpoint`` (a hint): its changes are made durable with the deletion, before the journal goes; a
  power cut in between may bring back a ``remove`` of a deleted file (harmless), not a checkpoint naming
  one (its deletion comes first in the file system's metadata journal: ext4, XFS and btrfs commit metadata
  operations in order). The copies are durable with
  the journal naming them and their sizes before the first log file changes (a power cut during that sync may
  keep the journal and tear a copy: a resumed *widen* phase finding one torn writes the copies again, which no
  ``add`` names yet). The journal naming the next phase is made durable by the next sync: a journal naming an
  earlier phase than the log reached resumes with passes that change nothing more (each level holds the ones
  below it). The old files' deletion is durable before the journal goes. A ``kill -9`` needs none of it (the
  page cache survives); after a power cut a log file replaced within the unfinished phase is old or new where
  the file system keeps a file replaced by rename whole (ext4's default ``auto_da_alloc``), not where it may
  leave it empty.

Each log file is read once per call and per content (:class:`~lakekit.storage.history.store.LogCache`).

Concurrent appends are safe: their commits name no replaced file. A checkpoint another writer builds from a
log it read before the swap names old files: passes find it (``RewriteReport.concurrent``) and treat it as
any other; one written after the last pass before the deletion breaks reads of its version until the pass
after the deletion repairs it. Writers that *rewrite* a replaced file at the same time (delete, merge,
optimize of a live file) are not supported: they may copy the old rows. A vacuum with a retention shorter
than the rewrite may take a copy before the log names it: refused (the copy is checked before the swap).
``grace_seconds`` lets readers that listed the log before a deletion finish.

Refused before any change: deletion vectors on a replaced file, v2 checkpoints, absolute paths. ``.crc``
files of affected versions are deleted (they are optional; their sizes would be wrong).

Readers: a ``DeltaTable`` opened before the rewrite keeps its file list in memory (``update_incremental``
and a forward ``load_as_version`` keep it too; delta-rs 1.6.6) and fails on a deleted old file: open a new
handle. ``create_checkpoint`` on such a handle reads the log again and is safe.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq

from lakekit.errors import HistoryError
from lakekit.storage.history import actions as log
from lakekit.storage.history import spare, stats
from lakekit.storage.history.actions import TextFilter, TextRewrite
from lakekit.storage.history.plan import log_kind as _kind
from lakekit.storage.history.plan import new_name, plan
from lakekit.storage.history.store import (
    TMP_PREFIX,
    Journal,
    JournalError,
    LogCache,
    Store,
    journal_name,
    open_store,
)

__all__ = ["HistoryError", "Pending", "Progress", "RewriteReport", "Store", "TextFilter", "TextRewrite", "open_store",
           "pending", "read_file", "rewrite_history"]

LOG = "_delta_log"
PHASES = ("write", "widen", "swap", "narrow", "delete")

Progress = Callable[[str], None]
"""Called with a step's name (``write:<path>``, ``swap:<log file>``, ``delete:<path>``, ``journal:<phase>``...)
before the step changes anything: for logging, and for tests to stop the process at a chosen point."""



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
    """New checkpoint files (each the rewrite of one checkpoint, under another name)."""
    checkpoints_retired: list[str] = field(default_factory=list)
    """Checkpoint files deleted because they named old files (a rewrite of theirs had been written)."""
    crc_deleted: list[str] = field(default_factory=list)
    files_deleted: list[str] = field(default_factory=list)
    concurrent: list[str] = field(default_factory=list)
    """Log files another writer added during the rewrite that named an old file (rewritten too)."""
    bytes_written: int = 0
    passes: int = 0
    resumed: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class Pending:
    """An unfinished rewrite, as its journal says."""

    phase: str
    """The phase to resume ("write" too when the copies the journal names were torn by a power cut)."""
    files: frozenset[str]
    """The old paths it replaces: resume with exactly these (needed while ``phase`` is "write")."""
    text_rewrite: bool
    """Whether it rewrites commitInfo: resume with the same ``text_rewrite``."""


def pending(table_uri: str, journal_dir: str, *, storage_options: Mapping[str, str] | None = None) -> Pending | None:
    """The unfinished rewrite of the table in ``journal_dir``, if any."""
    try:
        state = Journal(open_store(journal_dir, storage_options), journal_name(table_uri)).load()
    except JournalError as e:
        raise HistoryError(str(e)) from None
    if state is None:
        return None
    phase = "write" if state["phase"] == "widen" and _torn(open_store(table_uri, storage_options), state) else (
        state["phase"])
    return Pending(phase, frozenset(state["files"]), state["text_rewrite"])


def read_file(table_uri: str, path: str, *, storage_options: Mapping[str, str] | None = None) -> pa.Table:
    """The rows of one data file (``path`` as in the log) with its physical schema: what a replacement
    starts from (filter it, then pass it to :func:`rewrite_history`)."""
    store = open_store(table_uri, storage_options)
    with store.fs.open_input_file(store.path(unquote(path))) as f:
        return pq.read_table(f)


def rewrite_history(table_uri: str, replacements: Mapping[str, pa.Table | None], *, journal_dir: str,
                    storage_options: Mapping[str, str] | None = None, text_rewrite: TextRewrite | None = None,
                    text_filter: TextFilter | None = None,
                    store: Store | None = None, progress: Progress | None = None, grace_seconds: float = 0.0,
                    max_passes: int = 20) -> RewriteReport:
    """Replace data files in every version of the table (see the module's docstring).

    ``replacements`` maps a data file's path as in ``add.path`` (URL-encoded, relative to the table) to
    its new rows: the file's physical columns (as :func:`read_file` gives them; other columns, such as
    partition columns, are ignored), cast to the file's schema. ``None`` or no rows drops the file's
    actions from the log instead. ``text_rewrite`` rewrites the ``commitInfo`` of every commit, whether
    or not it names a replaced file (``text_filter`` spares parsing the lines it surely leaves alone); with
    no replacements the rewrite is of the log only (same journal, same resumption). ``store`` overrides the
    filesystem (rooted at the table).
    ``grace_seconds`` is waited before old checkpoints and before old data files are deleted: a reader that
    listed the log (or loaded a snapshot) just before may still open them.

    With a journal for this table in ``journal_dir`` the call resumes it (:func:`pending` tells): then
    ``replacements`` may be empty, except while the copies were still being written (pass the same ones).
    """
    started = time.monotonic()
    store = store or open_store(table_uri, storage_options, deferred=True)
    cache = LogCache(store, LOG)
    journal = Journal(open_store(journal_dir, storage_options, deferred=True, unsynced=store.unsynced),
                      journal_name(table_uri))
    try:
        state = journal.load()
    except JournalError as e:
        raise HistoryError(str(e)) from None
    resumed = state is not None
    if state is None:
        if not replacements and text_rewrite is None:
            raise HistoryError("no replacements, no text_rewrite and no journal to resume")
        state = plan(cache, table_uri, replacements, text_rewrite is not None)
        _step(progress, "journal:write")
        journal.save(state)
    elif replacements and set(replacements) != set(state["files"]):
        raise HistoryError(f"a rewrite of other files is unfinished; resume it first (journal {journal.name})")
    elif state["text_rewrite"] and text_rewrite is None:
        raise HistoryError("the unfinished rewrite rewrites commitInfo: pass the same text_rewrite to resume")
    rewriting = _Rewriting(cache, state, log.Edit(state["files"], text_rewrite, text_filter), progress,
                           RewriteReport(table_uri, {}, {}, resumed=resumed))
    if state["phase"] == "write" or (state["phase"] == "widen" and _torn(store, state)):
        if set(replacements) != set(state["files"]):
            raise HistoryError("the unfinished rewrite was writing copies: pass the same replacements again")
        state["phase"] = "write"
        rewriting.write_copies(replacements)
        _advance(journal, state, progress)
        store.sync()  # the copies and the journal naming them, before the log changes
    rewriting.check_copies()
    for level, phase in enumerate(("widen", "swap", "narrow"), start=1):
        if state["phase"] == phase:
            time.sleep(grace_seconds if phase == "narrow" else 0.0)
            if rewriting.converge(level, max_passes) and level < 3:
                store.sync()  # the level in every log file before the next one changes any, or an old file goes
            _advance(journal, state, progress)
    time.sleep(grace_seconds)
    for old in state["files"]:
        _step(progress, f"delete:{old}")
        if store.delete(unquote(old)):
            rewriting.report.files_deleted.append(old)
    rewriting.clean.clear()  # read every log file again: repair a checkpoint written from a log read before the swap
    rewriting.converge(3, max_passes)
    store.sync()  # narrow's changes and the old files' deletion for good, before the journal that redoes them goes
    _step(progress, "journal:done")
    journal.delete()
    rewriting.report.replaced = {old: t["new"] for old, t in state["files"].items()}
    rewriting.report.rows = {old: t["rows"] for old, t in state["files"].items()}
    rewriting.report.seconds = time.monotonic() - started
    return rewriting.report


def _step(progress: Progress | None, name: str) -> None:
    if progress is not None:
        progress(name)


def _advance(journal: Journal, state: dict[str, Any], progress: Progress | None) -> None:
    """The journal names the next phase. Made durable by the next sync, if any: a journal naming an earlier phase
    than the log reached resumes with passes that change nothing (each level holds the ones below it)."""
    following = PHASES[PHASES.index(state["phase"]) + 1]
    _step(progress, f"journal:{following}")
    state["phase"] = following
    journal.save(state)


def _torn(store: Store, state: Mapping[str, Any]) -> bool:
    """Whether a copy the journal names is missing or not of its size. In the *widen* phase this means a power cut
    during the sync that was to make the copies durable with the journal: no log file names them in an ``add``
    yet (that waits for the sync), so they are written again."""
    return any(t["new"] is not None and store.size(unquote(t["new"])) != t["size"] for t in state["files"].values())


class _Rewriting:
    """One call's work on the table: copies, log passes, the report."""

    def __init__(self, cache: LogCache, state: dict[str, Any], edit: log.Edit, progress: Progress | None,
                 report: RewriteReport) -> None:
        self.cache, self.store, self.state, self.edit, self.progress, self.report = (
            cache, cache.store, state, edit, progress, report)
        self.targets: dict[str, dict[str, Any]] = state["files"]
        self.paths = set(self.targets) | {t["new"] for t in self.targets.values() if t["new"]}
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
            target["new"] = target["new"] or new_name(old)
            self.store.put(unquote(target["new"]), body)  # no log names it yet: synced with the next journal step
            target.update(rows=data.num_rows, size=len(body), stats=stats.compute(data, target["template"]))
            self.report.bytes_written += len(body)

    def check_copies(self) -> None:
        """Every copy is there, whole, before the log is touched (a vacuum may have taken one)."""
        for old, t in self.targets.items():
            if t["new"] is not None and self.store.size(unquote(t["new"])) != t["size"]:
                raise HistoryError(f"{t['new']} (replacing {old}) is missing or torn: vacuumed during the rewrite?")

    def converge(self, level: int, limit: int) -> bool:
        """One pass at ``level`` 1 or 2; at level 3 passes until one changes nothing. Whether any changed a file."""
        changed = False
        for _ in range(limit):
            if not self.log_pass(level):
                return changed
            changed = True
            if level < 3:
                return changed
        raise HistoryError(f"the log kept changing for {limit} passes; call again to resume")

    def log_pass(self, level: int) -> bool:
        """Bring every log file to ``level``; whether any file changed. Checkpoints go first (at level 3 the
        old ones must be gone before any remove is narrowed). Deletes leftover temp files, and the optional
        ``.crc`` of every version from the first affected one on (their sizes would be wrong)."""
        self.report.passes += 1
        listing = self.store.list(LOG)
        changed = level >= 2 and self._checkpoints(listing, retire=level == 3)
        first = self.state["first_version"]
        for name, seen in sorted(listing.items()):
            kind = _kind(name)
            if name.startswith(TMP_PREFIX):
                self.store.delete(f"{LOG}/{name}")
            if (kind is None or kind[0] == "checkpoint" or self.clean.get(name) == (seen, level)
                    or self.cache.settled.get(name) == seen):
                continue
            if kind[0] == "crc":
                if first is not None and kind[1] >= first:
                    _step(self.progress, f"crc:{name}")
                    self.store.delete(f"{LOG}/{name}")
                    self.report.crc_deleted.append(name)
                continue
            raw = self.cache.read(name, seen)
            new = None if raw is None else log.rewrite_json(raw, level, self.edit)
            if new is None:
                self.clean[name] = (seen, level)
                if raw is not None and self._settled(raw, level):
                    self.cache.settled[name] = seen
                continue
            _step(self.progress, f"{PHASES[level]}:{name}")
            self.store.put(f"{LOG}/{name}", new)
            changed = True
            self.report.bytes_written += len(new)
            self.report.commits_rewritten.append(name)
            if ".compacted." not in name and kind[1] > int(self.state["start_version"]):
                self.report.concurrent.append(name)
        if level == 3:
            changed = self._sync_last_checkpoint() or changed
        return changed

    def _settled(self, raw: bytes, level: int) -> bool:
        """Whether no level changes a JSON log file that ``level`` left alone: it names no replaced file
        nor copy, and its commitInfo is rewritten already."""
        if log.may_name(raw, self.edit.spelled):
            return False
        return level >= 2 or self.edit.text_rewrite is None or log.rewrite_json(raw, 2, self.edit) is None

    def _checkpoints(self, listing: Mapping[str, tuple[int, int]], *, retire: bool) -> bool:
        """Per version: when no complete checkpoint is clean (names no old file), write the rewrite of a dirty
        one under its alternate name; with ``retire``, then delete the dirty ones. Whether anything changed."""
        changed = False
        spared = self._spare(listing)
        held = self._holding(spared, listing) if retire else set()
        for version, sets in sorted(log.checkpoint_sets(listing).items()):
            dirty: list[tuple[int, list[str], bytes | None]] = []
            clean = False
            for parts, names in sets.items():
                known = {self.cache.names_old(n, listing[n]) for n in names}
                if known == {False}:
                    clean = clean or log.complete(parts, names)
                    continue
                if version in spared:  # judged when it would go
                    if retire and (known == {True} or version in held or self._names_old(names, listing)):
                        dirty.append((parts, names, None))
                    continue
                new = None if known == {True} else self._rewritten(names, listing)
                if known == {True} or new is not None:
                    dirty.append((parts, names, new))  # the rewrite is made when it is written, if ever
                elif {self.cache.names_old(n, listing[n]) for n in names} == {False}:
                    clean = clean or log.complete(parts, names)
            written = ""
            for parts, names, rewritten in dirty:
                if (not clean and version not in spared and log.complete(parts, names)
                        and (new := rewritten or self._rewritten(names, listing))):
                    written = log.alternate(version, parts)[1]
                    _step(self.progress, f"checkpoint:{written}")
                    self.store.put(f"{LOG}/{written}", new)
                    self.cache.judged(written, self.store.stat(f"{LOG}/{written}"), False)
                    clean, changed = True, True
                    self.report.checkpoints_rewritten.append(written)
                    self.report.bytes_written += len(new)
                    self.report.concurrent += [n for n in names if n not in self.state["log_files"]]
                if retire and written:
                    self.store.sync()  # the clean checkpoint is durable before a dirty one goes (one written in an
                    # earlier phase was made durable at its end)
                for name in names if retire and (clean or version in spared) else ():
                    if name != written:  # a dirty file of the alternate name was just replaced by the rewrite
                        _step(self.progress, f"retire:{name}")
                        self.store.delete(f"{LOG}/{name}")
                        self.report.checkpoints_retired.append(name)
                        changed = True
        return changed

    def _spare(self, listing: Mapping[str, tuple[int, int]]) -> set[int]:
        """The versions whose checkpoints naming an old file go without a rewrite (:mod:`spare`)."""
        checkpoints = log.checkpoint_sets(listing)
        raw = self.store.read(f"{LOG}/_last_checkpoint") if len(checkpoints) > 1 else None
        return spare.spare(checkpoints, self._commits(listing), json.loads(raw).get("version") if raw else None)

    def _holding(self, versions: set[int], listing: Mapping[str, tuple[int, int]]) -> set[int]:
        """Those of ``versions`` that surely hold a replaced file or its copy, by the commits (so their checkpoints
        name one: no need to read them)."""
        return spare.holding(versions, self._commits(listing), lambda n: self.cache.read(n, listing[n]) or b"",
                             self.paths) if versions else set()

    @staticmethod
    def _commits(listing: Mapping[str, tuple[int, int]]) -> dict[int, str]:
        return {k[1]: n for n in listing if (k := _kind(n)) is not None and k[0] == "json" and ".compacted." not in n}

    def _names_old(self, names: list[str], listing: Mapping[str, tuple[int, int]]) -> bool:
        """Whether the checkpoint made of ``names`` names a replaced file (a part gone meanwhile: no);
        the verdict is noted in the cache."""
        raws = [self.store.read(f"{LOG}/{n}") for n in names]
        hits = all(r is not None for r in raws) and any(
            log.checkpoint_actions(r, set(self.targets)) for r in raws if r is not None)
        for n in names:
            self.cache.judged(n, listing[n], hits)
        return hits

    def _rewritten(self, names: list[str], listing: Mapping[str, tuple[int, int]]) -> bytes | None:
        """The rewrite of the checkpoint made of ``names``; None when it names no replaced file or a part
        went meanwhile (retired). The verdict is noted in the cache."""
        raws = [self.store.read(f"{LOG}/{n}") for n in names]
        if any(r is None for r in raws):
            return None
        new = log.rewrite_checkpoint([r for r in raws if r is not None], self.targets)
        for n in names:
            self.cache.judged(n, listing[n], new is not None)
        return new

    def _sync_last_checkpoint(self) -> bool:
        """``_last_checkpoint`` describes the checkpoint of its version that is left (its form, ``parts``, sizes;
        delta-rs 1.6.6 reads none of these, other readers do); the optional ``checksum`` cannot be kept and
        goes. A concurrent checkpointer's newer ``_last_checkpoint`` may be overwritten by an older one: only a
        hint, readers list the log from there. Whether it was written."""
        raw = self.store.read(f"{LOG}/_last_checkpoint")
        if raw is None:
            return False
        last = json.loads(raw)
        listing = self.store.list(LOG)
        sets = {p: n for p, n in log.checkpoint_sets(listing).get(last.get("version", -1), {}).items()
                if log.complete(p, n)}
        if not sets:
            return False
        parts = max(sets)  # delta-rs prefers a multi-part checkpoint to a classic one
        if last.get("parts", 0) == parts and last.get("sizeInBytes") == sum(listing[n][0] for n in sets[parts]):
            return False
        facts = log.checkpoint_facts([self.store.read(f"{LOG}/{n}") or b"" for n in sets[parts]])
        wanted = {k: facts.get(k, v) for k, v in last.items() if k not in ("checksum", "parts")}
        wanted.update({"sizeInBytes": facts["sizeInBytes"], **({"parts": parts} if parts else {})})
        if wanted != last:
            _step(self.progress, "last_checkpoint")
            self.store.put(f"{LOG}/_last_checkpoint", json.dumps(wanted, separators=(",", ":")).encode())
            return True
        return False
