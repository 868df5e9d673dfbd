"""The audit trail of GDPR requests (``_lakekit/audit``): who asked what about which subject, when,
why, and what changed. A subject is named by their salted hash, never by an identifier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from lakekit.core.results import AuditAction, AuditStatus
from lakekit.gdpr import subjects
from lakekit.index import metadata
from lakekit.index.provenance import caller, now
from lakekit.storage.delta import Storage
from lakekit.write import indexes


def record(storage: Storage, request_id: str, action: AuditAction, status: AuditStatus, subject: str,
           reason: str | None,
           details: Mapping[str, Any]) -> None:
    """One step of a request, once (its id is ``<request id>:<status>``)."""
    env = caller()
    row = {"audit_id": f"{request_id}:{status}", "request_id": request_id, "action": action, "status": status,
           "subject": subject, "reason": reason, "details": dict(details), "user": env["user"], "host": env["host"],
           "lakekit_version": env["lakekit_version"], "at": now()}
    indexes.append(storage, "audit", metadata.rows("audit", [row]), once_by="audit_id")


def trail(storage: Storage, given: Mapping[str, Any] | None = None) -> pa.Table:
    """The audit trail, oldest first (of one subject when ``given`` names them)."""
    rows = metadata.read(storage, "audit", where=None if not given else
                         ("subject", (subjects.subject_hash(storage, given),)))
    return rows.sort_by([("at", "ascending"), ("audit_id", "ascending")])


def unfinished(storage: Storage, subject: str) -> str | None:
    """The id of an erasure of ``subject`` that started and never finished (a crash), if any."""
    rows = metadata.read(storage, "audit", where=("subject", (subject,))).to_pylist()
    finished = {r["request_id"] for r in rows if r["status"] == "finished"}
    started = [r for r in rows if r["action"] == "erase" and r["request_id"] not in finished]
    return min((r["request_id"] for r in started), default=None)


def finished(storage: Storage, request_id: str) -> bool:
    """Whether a request's ``finished`` row is in the trail."""
    rows = metadata.read(storage, "audit", where=("request_id", (request_id,)))
    return "finished" in rows.column("status").to_pylist()
