"""An erasure request (Art. 17), end to end: the subject leaves every place and every version, history
stays readable, and a search afterwards proves it.

1. Under the lake's erasure lock (one at a time), table rewrites a crashed erasure left unfinished
   are finished first (:func:`settle`).
2. The subject is searched everywhere (:mod:`lakekit.gdpr.subjects`); the runs' reads of versions
   holding them are checked to reproduce, before anything changes (:mod:`lakekit.runs.erasures`).
3. Each place holding them is rewritten, all versions at once (:mod:`lakekit.gdpr.redaction`), and
   gets a commit recording the erasure; tables whose commit metadata alone mentions them have that
   rewritten; run artifacts are redacted or deleted (:mod:`lakekit.gdpr.artifacts`).
4. The runs' reads are read again and recorded, so ``lake.reproduce`` gives them minus the subject.
5. A search again (of the files written since the first one, every log, every artifact) must find
   nothing: the report's ``verified``. Files a concurrent writer added holding the subject are
   erased in another pass.

Every step can be cut short by a crash: each file and log rewrite is whole, the request's file
(:mod:`lakekit.gdpr.journal`) keeps the identifiers, counts and read verdicts, and calling ``erase``
again for the subject resumes the request under its id. Nothing here prints an identifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakekit import runs
from lakekit.core.progress import Steps, counted
from lakekit.core.results import Result
from lakekit.errors import UsageError
from lakekit.gdpr import artifacts, commits, derived, journal, redaction, subjects, tags, trail
from lakekit.gdpr.needles import Needles
from lakekit.gdpr.redaction import Redaction, TableErasure
from lakekit.gdpr.subjects import Search
from lakekit.index.provenance import ErasureProvenance, new_id
from lakekit.runs import erasures
from lakekit.storage import history
from lakekit.storage.delta import Storage
from lakekit.write.catalog import Catalog

PASSES = 3
"""Rounds of erasing and searching again before an erasure reports what a concurrent writer keeps adding."""


@dataclass(frozen=True)
class ErasureReport(Result):
    """An erasure and its proof: what changed where, and a search afterwards that finds nothing."""

    request_id: str
    subject: str
    reason: str
    tables: tuple[TableErasure, ...]
    logs: tuple[str, ...]
    """Tables whose commit metadata alone spelled the subject (rewritten with the placeholder)."""
    artifacts: tuple[str, ...]
    """Run artifacts redacted (or deleted, when they could not be)."""
    runs: tuple[str, ...]
    """Runs that used the subject's data (a model may need retraining)."""
    unreproducible: tuple[str, ...]
    """Of those, runs that can no longer be reproduced (an artifact deleted, a filter naming the subject)."""
    downstream: tuple[str, ...]
    """Derived tables without identifiers downstream of the tables erased from."""
    verified: bool
    residue: tuple[str, ...]
    resumed: bool
    stale: tuple[str, ...] = ()
    """Of ``downstream``, those whose latest version was computed from versions that held the subject:
    they still count them (sums, counts) until ``lake.rerun`` recomputes them (:mod:`lakekit.gdpr.derived`)."""


def _reason_names(reason: str, known: Mapping[str, Any]) -> bool:
    return any(str(v) in reason for values in known.values() for v in values if len(str(v)) >= 3)


def erase(storage: Storage, given: Mapping[str, Any], reason: str, catalog: Catalog, *,
          progress: Steps | None = None) -> ErasureReport:
    """Remove the subject from every place and version, with proof; see the module's docstring."""
    if not reason.strip():
        raise UsageError("an erasure needs a reason (a ticket or request reference)")
    known = subjects.identifiers(given)
    if _reason_names(reason, known):
        raise UsageError("the reason must not contain the subject's identifiers; give a request reference")
    subject = subjects.subject_hash(storage, given)
    resumed = trail.unfinished(storage, subject)
    request_id = resumed or new_id()
    with journal.locked(storage, request_id):
        settle(storage, catalog)
        state = journal.load(storage, request_id)
        seeds = {k: set(v) for k, v in state.get("identifiers", {}).items()}
        found = subjects.search(storage, given, catalog, seeds=seeds)
        if found.needles.holds(reason) or _reason_names(reason, found.identifiers):
            raise UsageError("the reason must not contain the subject's identifiers; give a request reference")
        trail.record(storage, request_id, "erase", "started", subject, reason, {})
        state.update(subject=subject, identifiers={k: sorted(v, key=str) for k, v in found.identifiers.items()})
        state.setdefault("tables", {})
        state["runs"] = sorted(set(state.get("runs", [])) | set(found.report.runs))
        state["downstream"] = sorted(set(state.get("downstream", [])) | set(found.report.downstream))
        _resolve_pending(storage, state, found, request_id)
        if "reads" not in state:
            versions = {h.table: set(h.versions) for h in found.report.tables if h.place in ("table", "predictions")}
            checked = erasures.check(storage, erasures.affected(storage, versions))
            state["reads"] = [{"run_id": a.item.run_id, "seq": a.item.seq, "reproduced": a.reproduced}
                              for a in checked]
        journal.save(storage, request_id, state)
        runs_used, seen, residue = set(state["runs"]), commits.Seen(), []
        for _ in range(PASSES):
            logs, changed = _erase_all(storage, found, request_id, state, seen, progress)
            state.setdefault("logs", [])
            state["logs"] = sorted(set(state["logs"]) | set(logs))
            journal.save(storage, request_id, state)
            found = subjects.search(storage, given, catalog, seeds=found.identifiers, skip=found.clean,
                                    tagged=found.tagged)
            runs_used |= set(found.report.runs)
            residue = _residue(storage, found, seen)
            if not residue or not changed:
                break
        lost = _amend_runs(storage, request_id, subject, state)
        held = {t["table"]: t["versions_rewritten"] for t in state["tables"].values() if t["place"] == "table"}
        report = ErasureReport(
            request_id, subject, reason,
            tuple(TableErasure(**{**t, "versions_rewritten": tuple(t["versions_rewritten"])})
                  for _, t in sorted(state["tables"].items())),
            tuple(state["logs"]), tuple(sorted(state.get("artifacts", {}))), tuple(sorted(runs_used)),
            tuple(sorted(lost)), tuple(state["downstream"]), not residue,
            tuple(residue), resumed is not None, tuple(derived.stale(storage, held, state["downstream"])))
        trail.record(storage, request_id, "erase", "finished", subject, reason, {
            "tables": {tags.key(t.table, t.place): {k: v for k, v in t.asdict().items()
                                                             if k not in ("table", "place")} for t in report.tables},
            "logs": list(report.logs), "artifacts": list(report.artifacts), "runs": list(report.runs),
            "unreproducible": list(report.unreproducible), "downstream": list(report.downstream),
            "stale": list(report.stale),
            "verified": report.verified, "residue": list(residue)})
        journal.forget(storage, request_id)
    return report


def _order(found: Search) -> list[str]:
    """Places holding the subject: data first, lakekit's own rows last (they are rewritten by the others)."""
    return sorted(found.files, key=lambda k: (found.tagged[k].place in ("index", "journal"), k))


def _erase_all(storage: Storage, found: Search, request_id: str, state: dict[str, Any],
               seen: commits.Seen, progress: Steps | None) -> tuple[list[str], bool]:
    """One pass: every place holding the subject, the logs spelling them, the artifacts.
    Returns the tables whose log alone was rewritten, and whether anything changed."""
    state.setdefault("pending", {})
    changed = False
    for key in counted(_order(found), progress):
        def before(planned: TableErasure, key: str = key) -> None:
            state["pending"][key] = planned.asdict()
            journal.save(storage, request_id, state)

        done = redaction.erase_place(storage, found, key, request_id, before)
        state["pending"].pop(key, None)
        _add(state, key, done.asdict())
        _mark(storage, found.tagged[key], state, key, request_id)
        journal.save(storage, request_id, state)
        changed = True
    rewritten = {found.tagged[k].table for k in found.files if found.tagged[k].place not in ("staged", "journal")}
    logs = [t for t in commits.mentioning(storage, found.needles, seen) if t not in rewritten]
    for table in logs:
        redaction.rewrite(storage, table, {}, Redaction(tags.Tagged(table, "table", {}), found.identifiers,
                                                        found.needles), request_id)
        changed = True
    if found.artifacts:  # planned first: a file deleted before a crash still makes its run unreproducible
        state.setdefault("artifacts", {}).update(artifacts.plan(found.artifacts))
        journal.save(storage, request_id, state)
        kinds = subjects.column_kinds(found.tagged)
        state["artifacts"].update(artifacts.erase(storage, found.artifacts, found.needles, found.identifiers, kinds))
        changed = True
    return logs, changed


def _add(state: dict[str, Any], key: str, counts: Mapping[str, Any]) -> None:
    """Add one place's erasure to the request's totals (a place erased again in a later pass adds up)."""
    old = state["tables"].get(key)
    if old is None:
        state["tables"][key] = dict(counts)
        return
    for name, value in counts.items():
        if isinstance(value, int) and not isinstance(value, bool) and name != "version":
            old[name] = old[name] + value
        elif name == "versions_rewritten":
            old[name] = sorted(set(old[name]) | set(value))


def _mark(storage: Storage, place: tags.Tagged, state: dict[str, Any], key: str, request_id: str) -> None:
    """The commit recording the erasure in a data place's own history (once per request)."""
    entry = state["tables"][key]
    if place.place in ("staged", "index", "journal") or entry.get("version") is not None:
        return
    made = ErasureProvenance(request_id=request_id, subject=state["subject"], rows_removed=entry["rows_removed"],
                             mentions_redacted=entry["mentions_redacted"], files_rewritten=entry["files_rewritten"])
    entry["version"] = redaction.record(storage, place.table, made)


def _resolve_pending(storage: Storage, state: dict[str, Any], found: Search, request_id: str) -> None:
    """Places a crashed attempt had planned: rewritten since (:func:`settle`) when the search no longer
    finds the subject there, so their counts stand and their erasure is recorded; otherwise planned
    again from scratch."""
    for key, planned in list(state.get("pending", {}).items()):
        if key not in found.files and key in found.tagged:
            _add(state, key, planned)
            _mark(storage, found.tagged[key], state, key, request_id)
        state["pending"].pop(key)


def _amend_runs(storage: Storage, request_id: str, subject: str, state: Mapping[str, Any]) -> set[str]:
    """Record what the runs' reads, training sets and artifacts give now; returns the runs that can no
    longer be reproduced."""
    checked = []
    for r in state.get("reads", []):
        item = next((i for i in erasures.items(storage, r["run_id"]) if i.seq == r["seq"]), None)
        if item is not None:
            checked.append(erasures.Affected(item, r["reproduced"]))
    erasures.amend(storage, request_id, subject, checked)
    runs.replace_artifacts(storage, {path: artifacts.digest(storage, path) for path in state.get("artifacts", {})})
    lost = set()
    for path, sha in state.get("artifacts", {}).items():
        if sha is None:
            run_id = path.removeprefix(f"{artifacts.FOLDER}/").split("/", 1)[0]
            erasures.unreproducible(storage, request_id, subject, run_id,
                                    f"an artifact held the subject and was deleted ({path.rsplit('/', 1)[-1]})")
            lost.add(run_id)
    return lost | {run_id for run_id in {a["run_id"] for a in state.get("reads", [])}
                   if any(not c["reproducible"] for c in erasures.records(storage, run_id)
                          if c["request_id"] == request_id)}


def _residue(storage: Storage, found: Search, seen: commits.Seen) -> list[str]:
    """Where the search after an erasure still finds the subject (nothing, when it worked)."""
    left = [f"{h.key}: {h.rows} row(s), {h.mentions} mention(s) in the latest version, {len(h.files)} file(s)"
            for h in found.report.tables]
    left += [f"{table}: its commit metadata spells an identifier"
             for table in commits.mentioning(storage, found.needles, seen)]
    left += [f"artifact {a.path}: {a.rows} row(s), {a.mentions} mention(s)" for a in found.report.artifacts]
    return left


def settle(storage: Storage, catalog: Catalog) -> None:
    """Finish the table rewrites erasures left unfinished (a crash), with their own identifiers; drop
    the request files of erasures that finished (a crash right after their last audit row)."""
    for request_id in journal.requests(storage):
        if trail.finished(storage, request_id):
            journal.forget(storage, request_id)
    for request_id in journal.unfinished(storage):
        state = journal.load(storage, request_id)
        folder = journal.journal_dir(storage, request_id)
        left = [t for t in commits.every_table(storage)
                if history.pending(storage.uri(t), folder, storage_options=storage.options) is not None]
        if not left or not state:
            continue
        known = {k: set(v) for k, v in state["identifiers"].items()}
        tagged = tags.tagged_tables(storage, catalog)
        needles: Needles = subjects.needles_of(tagged, known, state["subject"])
        for table in left:
            place = tagged.get(table) or tags.Tagged(table, "table", {})
            redaction.rewrite(storage, table, {}, Redaction(place, known, needles), request_id)
