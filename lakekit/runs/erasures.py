"""What erasures changed in what runs read, so a run that read an erased subject still reproduces.

An erasure rewrites the versions that held a subject (:mod:`lakekit.gdpr`): a run's read of such a
version now returns fewer rows (or redacted text), as does a training set built from it, and no
longer matches the fingerprint the run recorded. Around the rewrite the erasure:

1. :func:`check` s each such read and training set (:class:`Item`) against what it should give (the
   run's fingerprint, or the one an earlier erasure recorded) before anything changes: the files not
   erased are vouched for by it;
2. after the rewrite, :func:`amend` reads (or builds) it again and records the new rows and
   fingerprint with the request (``_lakekit/run_erasures``; a training set under minus its
   ``seq``), or why it can no longer be reproduced (its check failed; its filter named the subject
   and cannot be applied any more).

:func:`lakekit.runs.replay.reproduce` accepts a read that matches the latest record and says how many
rows each request removed. A run whose artifact had to be deleted is recorded whole (``seq`` 0) as
not reproducible.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lakekit.core.fingerprint import table_fingerprint
from lakekit.core.results import Result
from lakekit.errors import LakekitError
from lakekit.index import metadata
from lakekit.index.provenance import now
from lakekit.runs import features
from lakekit.runs.pinned import pinned_read
from lakekit.runs.recorded import reads
from lakekit.storage.delta import Storage
from lakekit.write import indexes


@dataclass(frozen=True)
class ReadErasure(Result):
    """One read (or training set) of a run, as erasures changed it: rows removed from what the run
    got, by which requests."""

    input: str
    """Its key in the reproduction (``table``, ``table#2`` for a second read of it, ``historical#1``)."""
    table: str | None
    seq: int
    version: int | None
    rows_removed: int
    requests: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    """What a run got that an erasure can change: a read (``seq`` > 0, its ``seq``) or a training set
    it built (``seq`` < 0: minus the set's ``seq``), with the rows and fingerprint the run recorded."""

    run_id: str
    seq: int
    table: str | None
    version: int | None
    rows: int
    fingerprint: str
    key: str
    """How :func:`lakekit.runs.replay.reproduce` names it (``table``, ``table#2``, ``historical#1``)."""


@dataclass(frozen=True)
class Affected:
    """One item of a run whose input an erasure rewrites, and whether it reproduced just before."""

    item: Item
    reproduced: bool


def items(storage: Storage, run_id: str) -> list[Item]:
    """Every read of a run, then every training set it built, in order."""
    found, keys = [], set()
    for read in reads(storage, run_id):
        key, n = read.table, 1
        while key in keys:
            n += 1
            key = f"{read.table}#{n}"
        keys.add(key)
        found.append(Item(run_id, read.seq, read.table, read.version, read.rows, read.fingerprint, key))
    found += [Item(run_id, -seq, None, None, rows, fingerprint, f"historical#{seq}")
              for seq, _, rows, fingerprint in features.training_sets(storage, run_id)]
    return found


def build(storage: Storage, item: Item) -> pa.Table:
    """The rows an item gives now: the read again, or the training set built again. Raises
    :class:`LakekitError` (or ``OSError``) when that cannot be done."""
    if item.seq > 0:
        read = next(r for r in reads(storage, item.run_id) if r.seq == item.seq)
        return pinned_read(storage, read.table, read.version, read.columns, read.filter)
    recipe = next(r for seq, r, _, _ in features.training_sets(storage, item.run_id) if seq == -item.seq)
    if recipe.labels is None or recipe.labels_version is None:
        raise LakekitError("its labels were not a lake table")
    return recipe.build(storage, pinned_read(storage, recipe.labels, recipe.labels_version, None, None))


def records(storage: Storage, run_id: str) -> list[dict[str, Any]]:
    """The run's ``_lakekit/run_erasures`` rows, oldest first."""
    rows = metadata.read(storage, "run_erasures", where=("run_id", (run_id,))).to_pylist()
    return sorted(rows, key=lambda r: (r["at"], r["erasure_id"]))


def expected(item: Item, changes: Sequence[Mapping[str, Any]]) -> tuple[int, str]:
    """(rows, fingerprint) an item should give now: the latest erasure's record, else what the run got."""
    latest = [c for c in changes if c["seq"] == item.seq]
    if latest and latest[-1]["fingerprint"] is not None:
        return int(latest[-1]["rows"]), str(latest[-1]["fingerprint"])
    return item.rows, item.fingerprint


def affected(storage: Storage, versions: Mapping[str, Collection[int]]) -> list[Item]:
    """Every recorded run read of one of ``versions`` ({table: versions}), and every training set of a
    run with such a read (its labels or a view's table are among its reads)."""
    rows = metadata.read(storage, "run_inputs").to_pylist()
    ids = sorted({r["run_id"] for r in rows if r["version"] in versions.get(r["table"], ())})
    return [i for run_id in ids for i in items(storage, run_id)
            if i.seq < 0 or (i.table is not None and i.version in versions.get(i.table, ()))]


def check(storage: Storage, found: Sequence[Item]) -> list[Affected]:
    """Whether each item reproduces now (before an erasure changes it)."""
    out = []
    for item in found:
        rows, fingerprint = expected(item, records(storage, item.run_id))
        try:
            data = build(storage, item)
            ok = data.num_rows == rows and table_fingerprint(data) == fingerprint
        except (LakekitError, OSError, StopIteration):
            ok = False
        out.append(Affected(item, ok))
    return out


def amend(storage: Storage, request_id: str, subject: str, checked: Sequence[Affected]) -> int:
    """Record what each item gives after the erasure (once per request and item); returns how many
    stay reproducible."""
    rows, kept = [], 0
    for a in checked:
        item = a.item
        before, _ = expected(item, records(storage, item.run_id))
        record = {"erasure_id": f"{request_id}:{item.run_id}:{item.seq}", "request_id": request_id,
                  "subject": subject, "run_id": item.run_id, "seq": item.seq, "table": item.table,
                  "version": item.version, "rows_before": before, "at": now()}
        if not a.reproduced:
            rows.append({**record, "reproducible": False, "reason": "it did not reproduce before the erasure"})
            continue
        try:
            data = build(storage, item)  # a read's filter as the erasure redacted it
        except (LakekitError, OSError, StopIteration):
            rows.append({**record, "reproducible": False, "reason": "its filter named the erased subject"})
            continue
        kept += 1
        now_gives = (data.num_rows, table_fingerprint(data))
        if now_gives != expected(item, records(storage, item.run_id)):  # unchanged (the subject filtered out)
            rows.append({**record, "rows": now_gives[0], "fingerprint": now_gives[1], "reproducible": True})
    if rows:
        indexes.append(storage, "run_erasures", metadata.rows("run_erasures", rows), once_by="erasure_id")
    return kept


def unreproducible(storage: Storage, request_id: str, subject: str, run_id: str, reason: str) -> None:
    """Record that a run as a whole can no longer be reproduced (``reason`` names no value)."""
    row = {"erasure_id": f"{request_id}:{run_id}:0", "request_id": request_id, "subject": subject, "run_id": run_id,
           "seq": 0, "reproducible": False, "reason": reason, "at": now()}
    indexes.append(storage, "run_erasures", metadata.rows("run_erasures", [row]), once_by="erasure_id")
