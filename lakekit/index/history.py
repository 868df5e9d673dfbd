"""A table's history as lakekit tells it: each version with its provenance record, row counts and
validation verdict. Read from the table's own commits (and ``_lakekit/validations`` for verdicts)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lakekit.core.results import Result, Verdict
from lakekit.index import metadata
from lakekit.index.provenance import Provenance, from_commit
from lakekit.storage.delta import Storage


@dataclass(frozen=True)
class HistoryEntry(Result):
    """One version of a table with its provenance (from the commit itself).

    ``operation`` is Delta's name for the commit (``WRITE``, ``MERGE``, ``VACUUM END``...);
    ``provenance`` is lakekit's record of it (``provenance.operation`` None: lakekit did not
    make it); ``verdict`` is the version's validation, ``failing_checks`` how many checks rows failed.
    """

    version: int
    timestamp: datetime
    operation: str
    rows_added: int | None
    rows_removed: int | None
    provenance: Provenance
    verdict: Verdict = "unvalidated"
    failing_checks: int = 0

    @property
    def validation(self) -> str:
        """The verdict in words: ``"valid"``, ``"invalid (2 failing check(s))"``, ``"unvalidated"``...

        >>> HistoryEntry(3, datetime(2026, 1, 1), "WRITE", 2, 0, Provenance(), "warned", 1).validation
        'warned (1 failing check(s))'
        """
        if self.verdict in ("warned", "invalid"):
            return f"{self.verdict} ({self.failing_checks} failing check(s))"
        return "verdict not recorded" if self.verdict == "unrecorded" else self.verdict

    def asdict(self) -> dict[str, Any]:
        return {**super().asdict(), "provenance": self.provenance.to_json(), "validation": self.validation}


def commits(storage: Storage, table: str) -> list[HistoryEntry]:
    """Every version of ``table``, newest first, with its provenance and row counts (no verdicts)."""
    entries = []
    for h in storage.history(table):
        m = h.get("operationMetrics") or {}
        added = m.get("num_added_rows", m.get("num_target_rows_inserted"))
        removed = m.get("num_deleted_rows", m.get("num_target_rows_deleted"))
        entries.append(HistoryEntry(
            version=int(h["version"]),
            timestamp=datetime.fromtimestamp(h["timestamp"] / 1000, UTC),
            operation=str(h.get("operation", "")),
            rows_added=None if added is None else int(added),
            rows_removed=None if removed is None else int(removed),
            provenance=from_commit(h),
        ))
    return entries


def verdicts(storage: Storage, table: str) -> dict[int, tuple[Verdict, int]]:
    """Version → the latest validation verdict recorded for it, with how many checks rows failed."""
    found: dict[int, tuple[Verdict, int]] = {}
    for r in sorted(metadata.read(storage, "validations", where=metadata.of_table(table)).to_pylist(),
                    key=lambda r: r["validated_at"]):
        failing = len(json.loads(r["failures"] or "[]"))
        found[r["version"]] = ("valid" if r["ok"] and not failing else "warned" if r["ok"] else "invalid", failing)
    return found


def _unrecorded(provenance: Provenance) -> Verdict:
    """The verdict of a version with none recorded: written without a schema, or its verdict lost
    (a crash between the commit and its ``_lakekit/validations`` row; ``lake.validate`` redoes it)."""
    return "unrecorded" if getattr(provenance, "schema_hash", None) else "unvalidated"


def history(storage: Storage, table: str) -> list[HistoryEntry]:
    """Every version of ``table``, newest first, with its provenance, row counts and validation."""
    checked = verdicts(storage, table)
    return [dataclasses.replace(e, verdict=checked[e.version][0], failing_checks=checked[e.version][1])
            if e.version in checked else dataclasses.replace(e, verdict=_unrecorded(e.provenance))
            for e in commits(storage, table)]


def write_ids(storage: Storage, table: str) -> set[str]:
    """The ids of every write that committed to ``table``, from its own history."""
    return {i for e in commits(storage, table) if (i := e.provenance.write_id) is not None}
