"""Erasing a subject from one place, every version at once: history rewritten, not destroyed.

Each data file that holds the subject (their rows, or a mention in free text) is replaced by a
redacted copy in every commit and checkpoint that names it (:mod:`lakekit.storage.history`): every
version that could be read before still can, through lakekit, delta-rs, polars or any Delta
reader, and shows its old rows minus the subject's (mentions replaced by the placeholder).
Versions that never held the subject keep their files. Commit metadata that spells the subject
(a delete predicate, a transform's SQL in lakekit's provenance) is rewritten in the same pass.
Files no version names (a write killed before its commit) are deleted; rows staged for a
quarantine are rewritten in place.

When it is done, the table gets one commit that changes no file and records the erasure
(operation ``erase``, the request id, the subject's hash, the counts): the table's history says
what happened, and runs and transforms that read it see a new version.

A rewrite cut short (a crash) leaves its journal under the request's folder; :func:`settle`
finishes it before anything else touches the lake.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable

from lakekit.core.results import Result
from lakekit.gdpr import journal, scanning
from lakekit.gdpr.match import Identifiers, judge, plain, without
from lakekit.gdpr.needles import Needles
from lakekit.gdpr.subjects import Search
from lakekit.gdpr.tags import Place, Tagged
from lakekit.index.provenance import ErasureProvenance
from lakekit.storage import files, history
from lakekit.storage.delta import Storage
from lakekit.write.commit import commit_once


@dataclass(frozen=True)
class TableErasure(Result):
    """What an erasure did to one place."""

    table: str
    place: Place
    rows_removed: int
    mentions_redacted: int
    """Rows kept, whose free text mentioned the subject: the mention replaced by the placeholder."""
    versions_rewritten: tuple[int, ...]
    """Versions that held the subject and now read without them (all readable, as before)."""
    files_rewritten: int
    files_removed: int
    """Files no version names (killed writes), or staged files left empty."""
    commits_rewritten: int = 0
    checkpoints_rewritten: int = 0
    version: int | None = None
    """The commit recording the erasure (None: nothing to record, e.g. staged rows)."""


@dataclass(frozen=True)
class Redaction:
    """What a place's rewrite needs: the place, the subject's identifiers and needles."""

    place: Tagged
    identifiers: Identifiers
    needles: Needles

    def file(self, storage: Storage, spelled: str) -> tuple[pa.Table | None, int, int]:
        """One data file's rows without the subject (None: nothing left), rows removed, mentions redacted."""
        rows = plain(history.read_file(storage.uri(self.place.table), spelled, storage_options=storage.options))
        verdict = judge(rows, self.place.columns, self.identifiers, self.needles)
        kept = without(rows, self.place.columns, verdict, self.needles)
        return (kept if kept.num_rows else None), verdict.held, verdict.mentioned


def commit_info(needles: Needles) -> history.TextRewrite:
    """The rewrite of every commit's ``commitInfo``: each mention of the subject replaced (idempotent)."""

    def rewrite(info: dict[str, Any]) -> dict[str, Any]:
        if not needles.may_mention(json.dumps(info, ensure_ascii=False)):
            return info
        redacted: dict[str, Any] = needles.redact_json(info)
        return redacted

    return rewrite


def erase_place(storage: Storage, search: Search, key: str, request_id: str,
                before: Callable[[TableErasure], None]) -> TableErasure:
    """Erase the subject from one place (see the module's docstring); ``before`` is told what will
    be done once it is known, before anything changes (the request keeps it for a resumed erasure)."""
    place = search.tagged[key]
    held = search.files.get(key, {})
    redaction = Redaction(place, search.identifiers, search.needles)
    if place.place in ("staged", "journal"):
        return _erase_files(storage, redaction, held)
    replay = search.replays[key]
    named = {p: replay.spelled[p] for p in held if p in replay.spelled}
    orphans = sorted(set(held) - set(named))
    replacements: dict[str, pa.Table | None] = {}
    removed = mentioned = 0
    for spelled in sorted(named.values()):
        replacements[spelled], rows, mentions = redaction.file(storage, spelled)
        removed += rows
        mentioned += mentions
    versions = tuple(replay.holding(held.keys()))
    planned = TableErasure(place.table, place.place, removed, mentioned, versions, len(named), len(orphans))
    before(planned)
    report = rewrite(storage, place.table, replacements, redaction, request_id) if replacements else None
    files.remove(storage, place.folder, orphans)
    if report is None:
        return planned
    return dataclasses.replace(planned, commits_rewritten=len(report.commits_rewritten),
                               checkpoints_rewritten=len(report.checkpoints_rewritten))


def rewrite(storage: Storage, table: str, replacements: Mapping[str, pa.Table | None], redaction: Redaction,
            request_id: str) -> history.RewriteReport:
    """Rewrite ``table``'s history: ``replacements`` swapped in, every commitInfo redacted. A rewrite of
    this request cut short while it wrote its copies is done again with the files it had chosen."""
    uri, folder = storage.uri(table), journal.journal_dir(storage, request_id)
    pending = history.pending(uri, folder, storage_options=storage.options)
    if pending is not None:
        replacements = {p: redaction.file(storage, p)[0] for p in pending.files} if pending.phase == "write" else {}
    try:
        return history.rewrite_history(uri, replacements, journal_dir=folder, storage_options=storage.options,
                                       text_rewrite=commit_info(redaction.needles),
                                       text_filter=redaction.needles.may_mention)
    finally:
        storage.drop_kept(table)


def record(storage: Storage, table: str, made: ErasureProvenance) -> int | None:
    """The commit recording an erasure in the table's own history, once per request (an app
    transaction of the request id): the new version, or None when it was recorded before."""
    app = f"lakekit-erase:{made.request_id}"
    commit = made.commit({app: 1})

    def attempt(base: DeltaTable | None) -> int | None:
        if base is None or base.transaction_version(app) is not None:
            return None
        return storage.mark(table, commit, base=base)

    return commit_once(storage, table, attempt)


def _erase_files(storage: Storage, redaction: Redaction, held: Mapping[str, Any]) -> TableErasure:
    """Staged rejected rows, journal entries: each file holding the subject is replaced whole by its
    rows without them (or deleted when none are left)."""
    place = redaction.place
    removed = mentioned = emptied = 0
    for path in sorted(held):
        rows = scanning.read_file(storage, place, path)
        if rows is None:
            continue
        verdict = judge(rows, place.columns, redaction.identifiers, redaction.needles)
        kept = without(rows, place.columns, verdict, redaction.needles)
        removed += verdict.held
        mentioned += verdict.mentioned
        emptied += kept.num_rows == 0
        scanning.rewrite_file(storage, place, path, kept)
    return TableErasure(place.table, place.place, removed, mentioned, (), len(held) - emptied, emptied)
