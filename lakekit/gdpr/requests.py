"""GDPR requests over the lake: find a subject, export their data (Art. 15), erase it (Art. 17),
verify an erasure, and the audit trail of all of these.

An erasure, for every table holding the subject (data tables, derived tables, quarantine,
predictions):

1. commits a new version without the subject's rows. Delta logs an overwrite's predicate word
   for word, so the rows are never selected by their identifiers: the rewrite replaces the
   loads (``_load_id``) that hold them, or the whole table when it has no load ids;
2. deletes every file that held the subject and that the new version does not use: the older
   versions made of them can no longer be read (time travel would otherwise give the rows
   back), files of versions without the subject stay. Runs that read such a version are
   reported: they used the subject's data, and ``lake.reproduce`` now says so;
3. when a table's log still spells an identifier (statistics written before the column was
   tagged, or a delete someone ran by hand), checkpoints the table and drops the older log;
4. searches again: the report's ``verified`` is that search finding nothing.

Each step can be cut short by a crash: every commit is whole, a deleted file is one no version
still served needs, and calling ``erase`` again with the same subject resumes the unfinished
request under its id (its ``started`` audit row has no ``finished`` one), with the identifiers
the first attempt found (kept in ``_lakekit/requests/<id>.json`` until the request finishes).
The audit trail names the subject by a salted hash; nothing here prints an identifier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit import runs
from lakekit.core.results import AuditAction as Action
from lakekit.core.results import _Result
from lakekit.errors import LakekitError, UsageError
from lakekit.gdpr import subjects
from lakekit.gdpr.subjects import Place, Search, SubjectReport, TableHit
from lakekit.index import formats, metadata
from lakekit.index.provenance import PROVENANCE_KEY, environment, new_id, now
from lakekit.storage import files, log
from lakekit.storage.delta import META_NAMESPACE, Commit, Conflict, Storage
from lakekit.storage.scan import scanner
from lakekit.write import indexes
from lakekit.write.catalog import Catalog
from lakekit.write.quarantine import LOAD_ID

MAX_ATTEMPTS = 20
_MIN_LOG_TEXT = 5
"""Identifiers shorter than this are not looked for in log text (a user id ``42`` is everywhere)."""


@dataclass(frozen=True)
class TableErasure(_Result):
    """What an erasure did to one table."""

    table: str
    place: Place
    rows_removed: int
    version: int | None
    """The version the erasure committed (None: the latest version did not hold the subject)."""
    files_removed: int
    versions_erased: tuple[int, ...]
    """Older versions that held the subject and can no longer be read."""
    log_purged: bool


@dataclass(frozen=True)
class ErasureReport(_Result):
    """An erasure and its proof: what changed where, and a search afterwards that finds nothing."""

    request_id: str
    subject: str
    reason: str
    tables: tuple[TableErasure, ...]
    runs: tuple[str, ...]
    """Runs that used the subject's data (retrain them; their erased inputs no longer reproduce)."""
    downstream: tuple[str, ...]
    """Derived tables without identifiers computed from erased rows (``lake.rerun`` recomputes them)."""
    verified: bool
    residue: tuple[str, ...]
    resumed: bool


def _audit(storage: Storage, request_id: str, action: Action, status: str, subject: str, reason: str | None,
           details: Mapping[str, Any]) -> None:
    env = environment()
    row = {"audit_id": f"{request_id}:{status}", "request_id": request_id, "action": action, "status": status,
           "subject": subject, "reason": reason, "details": dict(details), "user": env["user"], "host": env["host"],
           "lakekit_version": env["lakekit_version"], "at": now()}
    indexes.append(storage, "audit", metadata.rows("audit", [row]), once_by="audit_id")


def audit(storage: Storage, given: Mapping[str, Any] | None = None) -> pa.Table:
    """The audit trail, oldest first (of one subject when ``given`` names them)."""
    rows = metadata.read(storage, "audit", filter=None if not given else
                         pc.field("subject") == subjects.subject_hash(storage, given))
    return rows.sort_by([("at", "ascending"), ("audit_id", "ascending")])


def find(storage: Storage, given: Mapping[str, Any], catalog: Catalog) -> SubjectReport:
    """Where the subject is: tables, versions, files, runs, derived tables (recorded in the audit trail)."""
    report = subjects.search(storage, given, catalog).report
    _audit(storage, new_id(), "find", "finished", report.subject, None, _summary(report))
    return report


def _summary(report: SubjectReport) -> dict[str, Any]:
    return {"tables": {h.key: {"rows": h.rows, "versions": list(h.versions), "files": len(h.files)}
                       for h in report.tables},
            "runs": list(report.runs), "downstream": list(report.downstream)}


def export(storage: Storage, given: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """The subject's data as of now (Art. 15): their rows in every table's latest version, in
    quarantine and in predictions, the versions holding them, where the rows came from (loads)
    and which runs used them. Values are JSON-ready."""
    found = subjects.search(storage, given, catalog)
    tables: dict[str, Any] = {}
    load_ids: set[str] = set()
    for hit in found.report.tables:
        rows = _held_rows(storage, found, hit)
        if LOAD_ID in rows.column_names:
            load_ids |= set(rows.column(LOAD_ID).drop_null().to_pylist())
        tables[hit.key] = {"place": hit.place, "of": hit.owner, "versions": list(hit.versions),
                             "rows": json.loads(json.dumps(rows.to_pylist(), default=str))}
    loads = [r for r in metadata.read(storage, "loads").to_pylist() if r["load_id"] in load_ids]
    used = [runs.run(storage, r) for r in found.report.runs]
    out = {
        "subject": found.report.subject, "exported_at": now().isoformat(),
        "identifiers": {k: sorted(map(str, v)) for k, v in sorted(found.identifiers.items())},
        "tables": tables,
        "sources": [{"table": r["table"], "load_id": r["load_id"], "files": json.loads(r["files"]),
                     "metadata": json.loads(r["metadata"] or "{}"), "loaded_at": str(r["committed_at"])}
                    for r in loads],
        "runs": [{"run_id": r.run_id, "name": r.name, "status": r.status, "started_at": str(r.started_at),
                  "inputs": r.inputs} for r in used],
        "derived_tables": list(found.report.downstream),
    }
    _audit(storage, new_id(), "export", "finished", found.report.subject, None, _summary(found.report))
    return out


def _held_rows(storage: Storage, found: Search, hit: TableHit) -> pa.Table:
    """The subject's rows in a table's latest version, or in its staged files."""
    place = found.tagged[hit.key]
    if hit.place == "staged":
        opened = [files.dataset(storage, place.folder, path) for path in hit.files]
        parts = [files.read(file, filter=_test(file.schema, found, place)) for file in opened]
        return pa.concat_tables(parts, promote_options="permissive")
    ds = storage.dataset(hit.table)
    return scanner(ds, filter=_test(ds.schema, found, place)).to_table()


def _test(schema: pa.Schema, found: Search, place: subjects.Tagged) -> pc.Expression:
    """Rows holding the subject; none when ``schema`` has none of the place's tagged columns."""
    test = subjects.matcher(schema, place.columns, found.identifiers)
    return pc.scalar(False) if test is None else test


def _unfinished(storage: Storage, subject: str) -> str | None:
    """The id of an erasure of ``subject`` that started and never finished (a crash), if any."""
    trail = metadata.read(storage, "audit", filter=pc.field("subject") == subject).to_pylist()
    finished = {r["request_id"] for r in trail if r["status"] == "finished"}
    started = [r for r in trail if r["action"] == "erase" and r["request_id"] not in finished]
    return min((r["request_id"] for r in started), default=None)


def _request_file(storage: Storage, request_id: str) -> tuple[Any, str]:
    fs, base = storage.files()
    return fs, f"{base}/{META_NAMESPACE}/requests/{request_id}.json"


def _remember(storage: Storage, request_id: str, known: subjects.Identifiers) -> None:
    """Keep the identifiers an erasure works with until it finishes: deleting the rows that link
    an e-mail to its accounts' ids must not make a resumed erasure forget those ids. The file
    holds no more than the rows it is about to erase, and goes when the erasure finishes."""
    fs, path = _request_file(storage, request_id)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(f"{path}.tmp", "w") as f:
        json.dump(formats.write_request({"identifiers": {k: sorted(v, key=str) for k, v in known.items()}}), f,
                  default=str)
    fs.mv(f"{path}.tmp", path)


def _recall(storage: Storage, request_id: str) -> subjects.Identifiers:
    fs, path = _request_file(storage, request_id)
    if not fs.exists(path):
        return {}
    with fs.open(path, "r") as f:
        stored = formats.read_request(path, json.load(f))
    return {k: set(v) for k, v in stored["identifiers"].items()}


def _forget(storage: Storage, request_id: str) -> None:
    fs, path = _request_file(storage, request_id)
    if fs.exists(path):
        fs.rm(path)


def erase(storage: Storage, given: Mapping[str, Any], reason: str, catalog: Catalog) -> ErasureReport:
    """Remove the subject from every table, old versions included, with proof; see the module's docstring."""
    if not reason.strip():
        raise UsageError("an erasure needs a reason (a ticket or request reference)")
    known = subjects.identifiers(given)
    if any(str(v) in reason for values in known.values() for v in values if len(str(v)) >= _MIN_LOG_TEXT):
        raise UsageError("the reason must not contain the subject's identifiers; give a request reference")
    subject = subjects.subject_hash(storage, given)
    resumed = _unfinished(storage, subject)
    request_id = resumed or new_id()
    found = subjects.search(storage, given, catalog, seeds=_recall(storage, request_id) if resumed else None)
    _audit(storage, request_id, "erase", "started", subject, reason, {})
    _remember(storage, request_id, found.identifiers)
    done = [_erase_table(storage, found, hit, request_id, subject) for hit in found.report.tables]
    after = subjects.search(storage, given, catalog, seeds=found.identifiers)
    residue = _residue(storage, after)
    _forget(storage, request_id)
    report = ErasureReport(request_id, subject, reason, tuple(done), found.report.runs, found.report.downstream,
                           not residue, tuple(residue), resumed is not None)
    _audit(storage, request_id, "erase", "finished", subject, reason, {
        "tables": {subjects.key(t.table, t.place): {k: v for k, v in t.asdict().items() if k not in ("table", "place")}
                   for t in done},
        "runs": list(report.runs), "downstream": list(report.downstream), "verified": report.verified,
        "residue": list(residue)})
    return report


def _erase_table(storage: Storage, found: Search, hit: TableHit, request_id: str, subject: str) -> TableErasure:
    place = found.tagged[hit.key]
    if hit.place == "staged":
        return _erase_staged(storage, found, hit, place)
    version, removed = _remove_rows(storage, found, place, request_id, subject)
    current = log.latest_files(storage, hit.table)
    stale = [p for p in hit.files if p not in current]
    files.remove(storage, place.folder, stale)
    purged = _log_holds(storage, found, hit.table)
    if purged:
        log.purge_log(storage, hit.table)
    erased = tuple(v for v in hit.versions if v != version)
    return TableErasure(hit.table, hit.place, removed, version, len(stale), erased, purged)


def _erase_staged(storage: Storage, found: Search, hit: TableHit, place: subjects.Tagged) -> TableErasure:
    """Staged rejected rows: each file holding the subject is rewritten without them (or deleted)."""
    removed, emptied = 0, []
    for path in hit.files:
        rows = files.read(files.dataset(storage, place.folder, path))
        keep = rows.filter(~_test(rows.schema, found, place))
        removed += rows.num_rows - keep.num_rows
        if keep.num_rows:
            files.rewrite(storage, place.folder, path, keep)
        else:
            emptied.append(path)
    files.remove(storage, place.folder, emptied)
    return TableErasure(hit.table, hit.place, removed, None, len(emptied), (), False)


def _remove_rows(storage: Storage, found: Search, place: subjects.Tagged, request_id: str,
                 subject: str) -> tuple[int | None, int]:
    """Commit the latest version without the subject's rows: (the new version, rows removed)."""
    table = place.table
    for _ in range(MAX_ATTEMPTS):
        base = storage.open(table)
        ds = storage.dataset(table, snapshot=base)
        test = _test(ds.schema, found, place)
        held = scanner(ds, columns=[c for c in [LOAD_ID] if c in ds.schema.names], filter=test).to_table()
        if held.num_rows == 0:
            return None, 0
        loads = held.column(LOAD_ID) if LOAD_ID in held.column_names else None
        predicate = None
        scope = ~test
        if loads is not None and loads.null_count == 0:
            ids = sorted(set(loads.to_pylist()))
            predicate = f"{LOAD_ID} IN ({', '.join(_sql_text(i) for i in ids)})"
            scope = pc.field(LOAD_ID).isin(pa.array(ids, pa.string())) & scope
        provenance = {"operation": "erase", "request_id": request_id, "subject": subject,
                      "rows_removed": held.num_rows, **environment()}
        commit = Commit({PROVENANCE_KEY: json.dumps(provenance, default=str)}, exclusive=True)
        try:
            return storage.write(table, scanner(ds, filter=scope).to_reader(), mode="overwrite", commit=commit,
                                 base=base, predicate=predicate), held.num_rows
        except Conflict:
            continue
        except (LakekitError, OSError):
            # another erasure committed and deleted files our snapshot still read: start again on its version
            if storage.open(table).version() == base.version():
                raise
    raise LakekitError(f"could not erase from '{table}' after {MAX_ATTEMPTS} attempts: too many concurrent writers")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _needles(found: Search) -> list[str]:
    return [str(v) for values in found.identifiers.values() for v in values
            if isinstance(v, str) and len(v) >= _MIN_LOG_TEXT]


def _log_holds(storage: Storage, found: Search, table: str) -> bool:
    """Whether a JSON commit of the table's log spells one of the subject's identifiers."""
    needles = _needles(found)
    return bool(needles) and any(n in text for _, text in log.log_texts(storage, table) for n in needles)


def _residue(storage: Storage, after: Search) -> list[str]:
    """Where a search after an erasure still finds the subject (nothing, when it worked): rows,
    files, a table's log, or the text of lakekit's own index rows (a transform's SQL, a run's
    filter), which an erasure reports but cannot rewrite."""
    left = [f"{h.key}: {h.rows} row(s) in the latest version, {len(h.files)} file(s)" for h in after.report.tables]
    left += [f"{t.table}: its log spells an identifier" for t in after.tagged.values()
             if t.place != "staged" and _log_holds(storage, after, t.table)]
    needles = _needles(after)
    for name, schema in metadata.SCHEMAS.items():
        text = [f.name for f in schema if pa.types.is_string(f.type)]
        rows = metadata.read(storage, name) if needles and name != "audit" else schema.empty_table()
        spelled = sum(pc.sum(pc.match_substring(rows.column(c), n)).as_py() or 0 for c in text for n in needles)
        if spelled:
            left.append(f"_lakekit.{name}: {spelled} value(s) spell an identifier")
    return left


@dataclass(frozen=True)
class Verification(_Result):
    """A search for a subject that should be gone: ``verified`` when nothing is left."""

    subject: str
    verified: bool
    residue: tuple[str, ...]


def verify(storage: Storage, given: Mapping[str, Any], catalog: Catalog) -> Verification:
    """Search for an erased subject again (rows, old files, logs); recorded in the audit trail."""
    found = subjects.search(storage, given, catalog)
    residue = _residue(storage, found)
    _audit(storage, new_id(), "verify", "finished", found.report.subject, None,
           {**_summary(found.report), "residue": residue, "verified": not residue})
    return Verification(found.report.subject, not residue, tuple(residue))


class Gdpr:
    """``lake.gdpr``: GDPR requests about one data subject, named by identifiers (``email=...``)."""

    def __init__(self, storage: Storage, catalog: Catalog) -> None:
        self._storage = storage
        self._catalog = catalog

    def find(self, **identifiers: Any) -> SubjectReport:
        """Where the subject's data is: tables, old versions, quarantine, predictions, runs, derived tables."""
        return find(self._storage, identifiers, self._catalog)

    def export(self, **identifiers: Any) -> dict[str, Any]:
        """The subject's data, its sources and the runs that used it, JSON-ready (Art. 15 access)."""
        return export(self._storage, identifiers, self._catalog)

    def erase(self, *, reason: str, **identifiers: Any) -> ErasureReport:
        """Erase the subject everywhere, old versions included, and prove it (Art. 17)."""
        return erase(self._storage, identifiers, reason, self._catalog)

    def verify(self, **identifiers: Any) -> Verification:
        """Search again after an erasure: rows, files of old versions, orphan files, log text."""
        return verify(self._storage, identifiers, self._catalog)

    def audit(self, **identifiers: Any) -> pa.Table:
        """The audit trail (of one subject when identifiers are given), oldest first."""
        return audit(self._storage, identifiers or None)
