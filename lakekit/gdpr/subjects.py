"""Finding a data subject everywhere: tables, every version, quarantine, derived tables, predictions,
lakekit's own rows, run artifacts.

A subject is named by identifiers (``email="alice@example.com"``, ``user_id=42``): values of kinds
of personal data, which :mod:`lakekit.gdpr.tags` says where to look for. A row holding one of
the subject's identifiers is the subject's (:mod:`lakekit.gdpr.match`); its values in columns
that identify a person are the subject's other keys and are searched for in turn, until nothing
new turns up. Free text is searched for every identifier (:mod:`lakekit.gdpr.needles`).

Every Parquet file under a table's folder is read, whatever version (or none: a killed write)
references it, so old versions are covered; the versions holding the subject are the ones made of
a file that does. How files are read (one filtered scan per place and round) is
:mod:`lakekit.gdpr.scanning`'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc

from lakekit import impact
from lakekit.core.fingerprint import salted_hash
from lakekit.core.progress import Steps, counted
from lakekit.core.results import Result
from lakekit.errors import UsageError
from lakekit.gdpr import artifacts, scanning, tags
from lakekit.gdpr.artifacts import ArtifactHit
from lakekit.gdpr.match import Identifiers, followed, judge
from lakekit.gdpr.needles import Needles
from lakekit.gdpr.tags import Place, Tagged
from lakekit.maintenance import vacuum
from lakekit.storage import log
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.write.catalog import Catalog


@dataclass(frozen=True)
class TableHit(Result):
    """Where one place holds the subject: rows in its latest version, the versions and files that do."""

    table: str
    place: Place
    owner: str | None
    columns: tuple[str, ...]
    rows: int
    """The subject's rows in the latest version."""
    mentions: int
    """Other rows of the latest version whose free text mentions the subject."""
    versions: tuple[int, ...]
    files: tuple[str, ...]
    orphans: tuple[str, ...]
    """Files no version references (writes killed before their commit) that hold the subject."""

    @property
    def key(self) -> str:
        return tags.key(self.table, self.place)


@dataclass(frozen=True)
class SubjectReport(Result):
    """Everything known of one subject, without its identifiers: ``subject`` is their salted hash."""

    subject: str
    identifiers: dict[str, int]
    """kind → how many values name the subject (those given and those followed)."""
    tables: tuple[TableHit, ...]
    runs: tuple[str, ...]
    """Runs that read or wrote a version holding the subject, predicted for them or logged an artifact
    mentioning them."""
    downstream: tuple[str, ...]
    """Tables derived from a table holding the subject that hold no identifier themselves."""
    artifacts: tuple[ArtifactHit, ...] = ()

    @property
    def found(self) -> bool:
        return any(h.rows or h.mentions or h.files for h in self.tables) or bool(self.artifacts)


@dataclass(frozen=True)
class FileHit:
    """One file holding the subject: their rows, and other rows mentioning them."""

    rows: int
    mentions: int


@dataclass(frozen=True)
class Search:
    """A finished search: the report, and what erasure and export need (identifier values included)."""

    report: SubjectReport
    identifiers: Identifiers
    tagged: dict[str, Tagged]
    """:attr:`Tagged.key` → the place searched."""
    needles: Needles
    files: dict[str, dict[str, FileHit]]
    """:attr:`Tagged.key` → path (relative to the place's folder, decoded) → what it holds."""
    replays: dict[str, log.Replay]
    """:attr:`Tagged.key` of each Delta place holding the subject → its log replayed."""
    clean: dict[str, set[str]]
    """:attr:`Tagged.key` → the files read that hold nothing of the subject (a search again can skip them)."""
    artifacts: dict[str, ArtifactHit]
    """Path an artifact is stored at → what it holds (the report shows its redacted path)."""


def subject_hash(storage: Storage, given: Mapping[str, Any]) -> str:
    """The salted hash standing for the subject in reports, errors and the audit trail."""
    text = json.dumps({k: str(v) for k, v in sorted(given.items())}, sort_keys=True)
    return salted_hash(text, storage.secret())


def identifiers(given: Mapping[str, Any]) -> Identifiers:
    """``{kind: {value}}`` from keyword arguments; a list value gives several identifiers of one kind."""
    found: Identifiers = {}
    for kind, value in given.items():
        values = value if isinstance(value, list | tuple | set) else [value]
        found[kind] = {v for v in values if v is not None and v != ""}
    if not given or not any(found.values()):
        raise UsageError("name the subject by at least one identifier, e.g. email=...")
    return found


def needles_of(tagged: Mapping[str, Tagged], known: Identifiers, subject: str) -> Needles:
    """The subject's identifiers as :class:`Needles`, with the lake's columns of each kind."""
    columns: dict[str, set[str]] = {}
    for place in tagged.values():
        for name, tag in place.columns.items():
            columns.setdefault(tag.kind, set()).add(name)
    return Needles.of(known, columns, subject)


def column_kinds(tagged: Mapping[str, Tagged]) -> dict[str, str]:
    """Column name → the identifier kind columns of that name hold (free text left out): how a
    CSV or JSON artifact's columns are read."""
    return {name: tag.kind for place in tagged.values() for name, tag in place.columns.items() if tag.match != "text"}


def tagged_kinds(storage: Storage, given: Mapping[str, Any], catalog: Catalog) -> dict[str, Tagged]:
    """The places that tag personal data, once every kind of identifier ``given`` is one of
    theirs (else an error naming the kind, never its value)."""
    tagged = tags.tagged_tables(storage, catalog)
    kinds = {k for t in tagged.values() for k in t.kinds}
    if unknown := sorted(set(given) - kinds):
        raise UsageError(f"no table tags personal data of kind '{unknown[0]}' "
                         f"(tagged kinds: {', '.join(sorted(kinds)) or 'none'})")
    return tagged


def search(storage: Storage, given: Mapping[str, Any], catalog: Catalog, *,
           seeds: Identifiers | None = None, skip: Mapping[str, set[str]] | None = None,
           tagged: Mapping[str, Tagged] | None = None, progress: Steps | None = None) -> Search:
    """Find the subject named by ``given`` (and ``seeds``: identifiers found before, e.g. by an
    erasure that deleted the rows that linked them) everywhere; see the module's docstring.
    ``skip``: files per place key known to hold nothing of them (a search again after an erasure
    reads only the files written since the first one; Delta never changes a file in place).
    ``tagged``: the places an earlier search found (an erasure's commits change no place's tags).
    ``progress`` counts the places searched, round by round, each named by its key."""
    known = identifiers(given)
    scanning.merged(known, seeds or {})
    subject = subject_hash(storage, given)
    tagged = dict(tagged) if tagged is not None else tagged_kinds(storage, given, catalog)
    aside = {k: scanning.repacked(storage, t) for k, t in tagged.items()}
    listed = {k: [p for p in scanning.listing(storage, t) if p not in (skip or {}).get(k, set())]
              for k, t in tagged.items()}
    scans = {k: scanning.PlaceScan(storage, place, listed[k], aside[k]) for k, place in tagged.items()}
    _follow(scans, known, tagged, subject, progress)
    needles = needles_of(tagged, known, subject)
    found = {k: here for k, scan in scans.items() if (here := _file_hits(scan, known, needles))}
    hits, pinned, replays = _hits(storage, tagged, found)
    held = artifacts.scan(storage, needles, known, column_kinds(tagged))
    pinned |= {a.run_id for a in held.values()}
    report = SubjectReport(subject, {k: len(v) for k, v in sorted(known.items())}, tuple(hits), tuple(sorted(pinned)),
                           tuple(sorted(downstream(storage, tagged, {h.table for h in hits if h.place == "table"}))),
                           tuple(held.values()))
    clean = {k: set(paths) - found.get(k, {}).keys() | set((skip or {}).get(k, set())) for k, paths in listed.items()}
    return Search(report, known, tagged, needles, found, replays, clean, held)


def _follow(scans: Mapping[str, scanning.PlaceScan], known: Identifiers, tagged: Mapping[str, Tagged],
            subject: str, progress: Steps | None) -> None:
    """Search rounds until no new identifier turns up: each looks for the ones the round before found
    (the given ones first) and adds to ``known`` the values of identifying columns in the rows found."""
    searched: Identifiers = {}
    while new := {k: v - searched.get(k, set()) for k, v in known.items() if v - searched.get(k, set())}:
        new_needles, old_needles = needles_of(tagged, new, subject), needles_of(tagged, searched, subject)
        for key in counted(list(scans), progress):
            scans[key].look(new, new_needles, searched, old_needles)
        scanning.merged(searched, new)
        needles = needles_of(tagged, known, subject)
        for scan in scans.values():  # a place without an identifying column leads nowhere: judged once, at the end
            if any(t.follow for t in scan.place.columns.values()) and (rows := scan.rows()) is not None:
                scanning.merged(known, followed(rows, scan.place.columns, judge(rows, scan.place.columns, known,
                                                                                   needles)))


def _file_hits(scan: scanning.PlaceScan, known: Identifiers, needles: Needles) -> dict[str, FileHit]:
    """Per file of one place holding the subject, what it holds."""
    rows = scan.rows(needles)
    if rows is None or rows.num_rows == 0:
        return {}
    verdict = judge(rows, scan.place.columns, known, needles)
    path = rows.column(scanning.PATH)
    held = scanning.per_file(path.filter(verdict.rows))
    mentions = scanning.per_file(path.filter(pc.and_(verdict.mentions, pc.invert(verdict.rows))))
    return {p: FileHit(held.get(p, 0), mentions.get(p, 0)) for p in held.keys() | mentions.keys()}


def downstream(storage: Storage, tagged: Mapping[str, Tagged], holders: set[str]) -> set[str]:
    """Tables derived from ``holders`` (tables holding the subject) that hold no identifier (only when
    the lake recorded lineage: reading it heals the index from every table's history)."""
    if not holders or not (storage.exists(f"{META_NAMESPACE}.lineage")
                           or storage.exists(f"{META_NAMESPACE}.run_outputs")):
        return set()
    return impact.reach(storage, holders, "downstream") - {t.table for t in tagged.values()}


def _hits(storage: Storage, tagged: Mapping[str, Tagged],
          found: Mapping[str, dict[str, FileHit]]) -> tuple[list[TableHit], set[str], dict[str, log.Replay]]:
    """The report of each place holding the subject, the runs that used it, the logs replayed."""
    hits, pinned, replays = [], set(), {}
    pins = vacuum.pinned_versions(storage)
    for name, held in sorted(found.items()):
        t = tagged[name]
        columns = tuple(sorted(t.columns))
        if t.place in ("staged", "journal"):
            hits.append(TableHit(t.table, t.place, t.owner, columns, sum(f.rows for f in held.values()),
                                 sum(f.mentions for f in held.values()), (), tuple(sorted(held)), ()))
            continue
        replays[name] = replay = log.replay(storage, t.table)
        current, holding = replay.current(), replay.holding(held.keys())
        hits.append(TableHit(
            t.table, t.place, t.owner, columns, sum(f.rows for p, f in held.items() if p in current),
            sum(f.mentions for p, f in held.items() if p in current), tuple(holding), tuple(sorted(held)),
            tuple(sorted(set(held) - replay.spelled.keys()))))
        pinned |= {run for v in holding for run in pins.get(t.table, {}).get(v, ())}
        if t.place == "predictions" and t.owner:
            pinned.add(t.owner)
    return hits, pinned, replays
