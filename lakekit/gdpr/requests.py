"""GDPR requests over the lake: find a subject (where they are), export their data (Art. 15), erase
it (Art. 17), verify an erasure, and the audit trail of all of these (``lake.gdpr``).

Each request is recorded in the audit trail by the subject's salted hash; nothing here returns,
logs or prints an identifier except the export, which is the subject's own data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from lakekit.core.progress import Steps
from lakekit.core.results import Result
from lakekit.gdpr import commits, derived, erasure, export, proof, subjects, tags, trail
from lakekit.gdpr.erasure import ErasureReport
from lakekit.gdpr.subjects import SubjectReport
from lakekit.index.provenance import new_id
from lakekit.storage.delta import Storage
from lakekit.write.catalog import Catalog


def find(storage: Storage, given: Mapping[str, Any], catalog: Catalog, progress: Steps | None = None) -> SubjectReport:
    """Where the subject is: places, versions, files, mentions, runs, artifacts (recorded in the audit trail)."""
    found = subjects.search(storage, given, catalog, progress=progress)
    trail.record(storage, new_id(), "find", "finished", found.report.subject, None, export.summary(found.report))
    return found.report


@dataclass(frozen=True)
class Verification(Result):
    """Every file under the root searched for a subject that should be gone: ``verified`` when nothing is."""

    subject: str
    verified: bool
    residue: tuple[str, ...]
    files: int
    """How many files were decoded and searched."""
    stale: tuple[str, ...] = ()
    """Derived tables without identifiers whose latest version was computed from versions an erasure of
    the subject rewrote: they still count the subject until ``lake.rerun`` (:mod:`lakekit.gdpr.derived`)."""


def verify(storage: Storage, given: Mapping[str, Any], catalog: Catalog) -> Verification:
    """Decode every file under the root and search it (:mod:`lakekit.gdpr.proof`); recorded in the audit trail."""
    found = subjects.search(storage, given, catalog)
    occurrences = proof.scan_root(storage, found.needles, subjects.column_kinds(found.tagged), found.identifiers)
    residue = [str(o) for o in occurrences]
    residue += [f"{h.key}: {h.rows} row(s), {h.mentions} mention(s)" for h in found.report.tables
                if not any(o.path.startswith(found.tagged[h.key].folder) for o in occurrences)]
    residue += [f"{t}: commit metadata" for t in commits.mentioning(storage, found.needles)
                if not any(o.path.startswith(t.replace(".", "/")) for o in occurrences)]
    held = derived.erased_versions(json.loads(r["details"] or "{}") for r in trail.trail(storage, given).to_pylist()
                                   if r["action"] == "erase" and r["status"] == "finished")
    held = {t: v for t, v in held.items() if storage.exists(t)}
    stale = derived.stale(storage, held, subjects.downstream(storage, found.tagged, set(held)))
    fs, base = storage.files()
    trail.record(storage, new_id(), "verify", "finished", found.report.subject, None,
                 {**export.summary(found.report), "residue": residue, "verified": not residue, "stale": stale})
    return Verification(found.report.subject, not residue, tuple(residue), len(fs.find(base)), tuple(stale))


class Gdpr:
    """``lake.gdpr``: GDPR requests about one data subject, named by identifiers (``email=...``)."""

    def __init__(self, storage: Storage, catalog: Catalog) -> None:
        self._storage = storage
        self._catalog = catalog

    def find(self, *, progress: Steps | None = None, **identifiers: Any) -> SubjectReport:
        """Where the subject's data is: every place and version, mentions in free text, lakekit's own
        rows, predictions, run artifacts; the runs that used it, the tables derived from it.
        ``progress`` counts the places searched, round by round."""
        return find(self._storage, identifiers, self._catalog, progress)

    def export(self, *, to: str | Path | None = None, **identifiers: Any) -> dict[str, Any]:
        """The subject's data from every readable version, its sources, the runs and artifacts that
        used it, JSON-ready (Art. 15 access); written to the file ``to`` when given."""
        return export.export(self._storage, identifiers, self._catalog, to)

    def erase(self, *, reason: str, progress: Steps | None = None, **identifiers: Any) -> ErasureReport:
        """Erase the subject everywhere, every version rewritten without them, and prove it (Art. 17);
        ``progress`` counts the places rewritten (tables, lakekit's own), pass by pass."""
        return erasure.erase(self._storage, identifiers, reason, self._catalog, progress=progress)

    def verify(self, **identifiers: Any) -> Verification:
        """Decode every file under the root and search it for the subject (the proof of an erasure)."""
        return verify(self._storage, identifiers, self._catalog)

    def tags(self) -> dict[str, dict[str, str]]:
        """Data table → column → the kind of personal data it holds: tagged by its schema, or
        carried there by lineage (a transform or a run write copying a tagged column's values)."""
        return {t.table: {c: tag.kind for c, tag in sorted(t.columns.items())}
                for t in tags.tagged_tables(self._storage, self._catalog).values() if t.place == "table"}

    def audit(self, **identifiers: Any) -> pa.Table:
        """The audit trail (of one subject when identifiers are given, of kinds the lake tags), oldest first."""
        if identifiers:
            subjects.tagged_kinds(self._storage, identifiers, self._catalog)
        return trail.trail(self._storage, identifiers or None)
