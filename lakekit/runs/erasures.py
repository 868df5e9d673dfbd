"""What erasures changed in what runs read, so a run that read an erased subject still reproduces.

An erasure rewrites the versions that held a subject (:mod:`lakekit.gdpr`): a run's read of such a
version now returns fewer rows (or redacted text), and no longer matches the fingerprint the run
recorded. Around the rewrite the erasure:

1. :func:`check` s each such read against what it should give (the run's fingerprint, or the one an
   earlier erasure recorded) before anything changes: the files not erased are vouched for by it;
2. after the rewrite, :func:`amend` reads it again and records the new rows and fingerprint with the
   request (``_lakekit/run_erasures``), or why it can no longer be reproduced (its check failed;
   its filter named the subject and cannot be applied any more).

:func:`lakekit.runs.replay.reproduce` accepts a read that matches the latest record and says how many
rows each request removed. A run whose artifact had to be deleted is recorded whole (``seq`` 0) as
not reproducible.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc

from lakekit.core.fingerprint import table_fingerprint
from lakekit.core.results import Result
from lakekit.errors import LakekitError
from lakekit.index import metadata
from lakekit.index.provenance import now
from lakekit.runs.pinned import pinned_read
from lakekit.runs.recorded import Read, reads
from lakekit.storage.delta import Storage
from lakekit.write import indexes


@dataclass(frozen=True)
class ReadErasure(Result):
    """One read of a run, as erasures changed it: rows removed from what the run read, by which requests."""

    input: str
    """The read's key in the reproduction (``table``, or ``table#2`` for a second read of it)."""
    table: str
    seq: int
    version: int
    rows_removed: int
    requests: tuple[str, ...]


@dataclass(frozen=True)
class Affected:
    """A run's read of a version an erasure rewrites, and whether it reproduced just before."""

    run_id: str
    read: Read
    reproduced: bool


def records(storage: Storage, run_id: str) -> list[dict[str, Any]]:
    """The run's ``_lakekit/run_erasures`` rows, oldest first."""
    rows = metadata.read(storage, "run_erasures", filter=pc.field("run_id") == run_id).to_pylist()
    return sorted(rows, key=lambda r: (r["at"], r["erasure_id"]))


def expected(read: Read, changes: Sequence[Mapping[str, Any]]) -> tuple[int, str]:
    """(rows, fingerprint) a read should give now: the latest erasure's record, else what the run read."""
    latest = [c for c in changes if c["seq"] == read.seq]
    if latest and latest[-1]["fingerprint"] is not None:
        return int(latest[-1]["rows"]), str(latest[-1]["fingerprint"])
    return read.rows, read.fingerprint


def affected(storage: Storage, versions: Mapping[str, Collection[int]]) -> list[tuple[str, Read]]:
    """Every recorded run read of one of ``versions`` ({table: versions}), as (run id, read)."""
    rows = metadata.read(storage, "run_inputs").to_pylist()
    ids = sorted({r["run_id"] for r in rows if r["version"] in versions.get(r["table"], ())})
    return [(run_id, read) for run_id in ids for read in reads(storage, run_id)
            if read.version in versions.get(read.table, ())]


def check(storage: Storage, found: Sequence[tuple[str, Read]]) -> list[Affected]:
    """Whether each read reproduces now (before an erasure changes it)."""
    out = []
    for run_id, read in found:
        rows, fingerprint = expected(read, records(storage, run_id))
        try:
            data = pinned_read(storage, read.table, read.version, read.columns, read.filter)
            ok = data.num_rows == rows and table_fingerprint(data) == fingerprint
        except (LakekitError, OSError):
            ok = False
        out.append(Affected(run_id, read, ok))
    return out


def amend(storage: Storage, request_id: str, subject: str, checked: Sequence[Affected]) -> int:
    """Record what each read gives after the erasure (once per request and read); returns how many
    reads stay reproducible."""
    rows, kept = [], 0
    for a in checked:
        read = next((r for r in reads(storage, a.run_id) if r.seq == a.read.seq), a.read)  # its filter redacted
        before, _ = expected(read, records(storage, a.run_id))
        record = {"erasure_id": f"{request_id}:{a.run_id}:{read.seq}", "request_id": request_id, "subject": subject,
                  "run_id": a.run_id, "seq": read.seq, "table": read.table, "version": read.version,
                  "rows_before": before, "at": now()}
        if not a.reproduced:
            rows.append({**record, "reproducible": False, "reason": "it did not reproduce before the erasure"})
            continue
        try:
            data = pinned_read(storage, read.table, read.version, read.columns, read.filter)
        except (LakekitError, OSError):
            rows.append({**record, "reproducible": False, "reason": "its filter named the erased subject"})
            continue
        rows.append({**record, "rows": data.num_rows, "fingerprint": table_fingerprint(data), "reproducible": True})
        kept += 1
    if rows:
        indexes.append(storage, "run_erasures", metadata.rows("run_erasures", rows), once_by="erasure_id")
    return kept


def unreproducible(storage: Storage, request_id: str, subject: str, run_id: str, reason: str) -> None:
    """Record that a run as a whole can no longer be reproduced (``reason`` names no value)."""
    row = {"erasure_id": f"{request_id}:{run_id}:0", "request_id": request_id, "subject": subject, "run_id": run_id,
           "seq": 0, "reproducible": False, "reason": reason, "at": now()}
    indexes.append(storage, "run_erasures", metadata.rows("run_erasures", [row]), once_by="erasure_id")
