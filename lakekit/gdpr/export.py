"""A subject's data, all of it (Art. 15): their rows in every readable version of every place, grouped
by table and version; the free text that mentions them; the loads their rows came from; the runs
that used them; the artifacts that hold them. Values are JSON-ready."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit import runs
from lakekit.core.results import plain
from lakekit.errors import LakekitError
from lakekit.gdpr import artifacts, scanning, subjects, tags, trail
from lakekit.gdpr.match import judge
from lakekit.gdpr.subjects import Search, TableHit
from lakekit.index import metadata
from lakekit.index.provenance import new_id, now
from lakekit.storage.delta import Storage
from lakekit.write.catalog import Catalog
from lakekit.write.quarantine import LOAD_ID


def _json(rows: pa.Table) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads(json.dumps(plain(rows.to_pylist()), default=str))
    return value


def _place(storage: Storage, found: Search, hit: TableHit) -> tuple[dict[str, Any], set[str]]:
    """One place: the subject's rows per version (files no version names under ``unversioned``), the
    texts mentioning them; and the load ids of their rows."""
    place = found.tagged[hit.key]
    texts = [c for c, t in place.columns.items() if t.match == "text"]
    by_file: dict[str, list[dict[str, Any]]] = {}
    mentions: list[dict[str, Any]] = []
    loads: set[str] = set()
    for path in sorted(found.files.get(hit.key, {})):
        rows = scanning.read_file(storage, place, path)
        if rows is None:
            continue
        verdict = judge(rows, place.columns, found.identifiers, found.needles)
        mine = rows.filter(verdict.rows)
        by_file[path] = _json(mine)
        if LOAD_ID in mine.column_names:
            loads |= set(mine.column(LOAD_ID).drop_null().to_pylist())
        others = rows.filter(pc.and_(verdict.mentions, pc.invert(verdict.rows)))
        for column in texts:
            if column in others.column_names:
                mentions += [{"column": column, "text": v} for v in others.column(column).to_pylist()
                             if v is not None and found.needles.holds(v)]
    versions: dict[str, list[dict[str, Any]]] = {}
    replay = found.replays.get(hit.key)
    for version in hit.versions:
        paths = replay.versions.get(version, frozenset()) if replay else frozenset()
        versions[str(version)] = [r for p in sorted(paths & by_file.keys()) for r in by_file[p]]
    named = set().union(*replay.versions.values()) if replay else set()
    unversioned = [r for p, rows in sorted(by_file.items()) if p not in named for r in rows]
    out = {"place": hit.place, "of": hit.owner, "columns": tags.describe({hit.key: place})[hit.key],
           "versions": versions, "unversioned": unversioned, "mentions": mentions}
    return out, loads


def export(storage: Storage, given: Mapping[str, Any], catalog: Catalog,
           to: str | Path | None = None) -> dict[str, Any]:
    """Everything of the subject's (see the module's docstring), recorded in the audit trail once
    it is delivered: returned, or written whole to the file ``to`` (JSON). A file that cannot be
    written is an error before anything is searched or recorded (it names neither the file nor
    the subject: a path can hold an identifier)."""
    target = Path(to) if to is not None else None
    if target is not None and not target.parent.is_dir():
        raise LakekitError("cannot write the export: the folder it should go in does not exist")
    found = subjects.search(storage, given, catalog)
    tables: dict[str, Any] = {}
    load_ids: set[str] = set()
    for hit in found.report.tables:
        tables[hit.key], loads = _place(storage, found, hit)
        load_ids |= loads
    loaded = [r for r in metadata.read(storage, "loads").to_pylist() if r["load_id"] in load_ids]
    used = [runs.run(storage, r) for r in found.report.runs]
    kinds = subjects.column_kinds(found.tagged)
    out = {
        "subject": found.report.subject, "exported_at": now().isoformat(),
        "identifiers": {k: sorted(map(str, v)) for k, v in sorted(found.identifiers.items())},
        "tables": tables,
        "sources": [{"table": r["table"], "load_id": r["load_id"], "files": json.loads(r["files"]),
                     "metadata": json.loads(r["metadata"] or "{}"), "loaded_at": plain(r["committed_at"])}
                    for r in loaded],
        "runs": [{"run_id": r.run_id, "name": r.name, "status": r.status, "started_at": plain(r.started_at),
                  "inputs": r.inputs, "outputs": r.outputs} for r in used],
        "artifacts": [{"run_id": a.run_id, "path": path, "format": a.format,
                       "lines": artifacts.extract(storage, path, a, found.needles, found.identifiers, kinds)}
                      for path, a in found.artifacts.items()],
        "derived_tables": list(found.report.downstream),
    }
    if target is not None:
        _write(target, out)
    trail.record(storage, new_id(), "export", "finished", found.report.subject, None,
                 {**summary(found.report), "delivered": "file" if target is not None else "returned"})
    return out


def _write(target: Path, data: Mapping[str, Any]) -> None:
    """The export as one JSON file, written beside and moved into place (never half a file)."""
    draft = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        draft.write_text(json.dumps(data, indent=2, default=str))
        draft.replace(target)
    except OSError as e:
        draft.unlink(missing_ok=True)
        raise LakekitError(f"cannot write the export: {e.strerror or type(e).__name__}") from None


def summary(report: subjects.SubjectReport) -> dict[str, Any]:
    """What the audit trail keeps of a search: counts and names, never a value."""
    return {"tables": {h.key: {"rows": h.rows, "mentions": h.mentions, "versions": list(h.versions),
                               "files": len(h.files)} for h in report.tables},
            "artifacts": [a.path for a in report.artifacts], "runs": list(report.runs),
            "downstream": list(report.downstream)}
