"""Views of lakekit's own records that fold its event logs, one row per thing: the names a query
(``lake.sql``, ``lakekit sql``) and a read (``lake.read``, ``lakekit show``) name them by.

``_lakekit/runs`` and ``_lakekit/audit`` keep one row per *change* (a run's start, metrics and end;
a request's start and finish), so a ``GROUP BY`` over them counts a run several times. In queries,
``_lakekit.runs`` is therefore one row per run (the fold of its changes) and ``_lakekit.requests``
one row per GDPR request; the logs themselves are ``_lakekit.run_events`` and ``_lakekit.audit``.
Each view is read at the time of the query (rows still in the journal included): it has no
versions, so a transform, which pins every input's version, refuses it (the same name never
means a view in a query and the log in a transform).
``docs/metadata.md`` documents every table and view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.errors import UsageError
from lakekit.index import metadata
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.storage.scan import select_rows


def fold_runs(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """run id → its state: rows in update order, the latest status, the first error, merged
    params/metrics/tags, artifacts by path, the earliest start and the latest end."""
    runs: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["updated_at"]):
        state = runs.setdefault(r["run_id"], {**r, "params": {}, "metrics": {}, "tags": {}, "artifacts": {},
                                              "error": None, "ended_at": None})
        state["status"] = r["status"]
        state["error"] = state["error"] or r["error"]
        for key in ("params", "metrics", "tags"):
            state[key].update(json.loads(r[key] or "{}"))
        state["artifacts"].update({a["path"]: a for a in json.loads(r["artifacts"] or "[]")})
        for key in ("predictions", "command", "ended_at", "updated_at"):
            state[key] = r[key] if r[key] is not None else state[key]
        state["started_at"] = min(state["started_at"], r["started_at"])
    return runs


def runs(storage: Storage) -> pa.Table:
    """One row per run, in run id (start) order: the columns of the runs log, folded
    (``updated_at``: its last change; params, metrics, tags and artifacts as JSON text)."""
    folded = fold_runs(metadata.read(storage, "runs").to_pylist())
    return metadata.rows("runs", [{**s, "artifacts": list(s["artifacts"].values())}
                                  for _, s in sorted(folded.items())])


REQUESTS = pa.schema([
    ("request_id", pa.string()), ("action", pa.string()), ("status", pa.string()), ("subject", pa.string()),
    ("reason", pa.string()), ("details", pa.string()), ("started_at", pa.timestamp("us", tz="UTC")),
    ("ended_at", pa.timestamp("us", tz="UTC")), ("user", pa.string()), ("host", pa.string()),
    ("lakekit_version", pa.string()),
])


def requests(storage: Storage) -> pa.Table:
    """One row per GDPR request, in request id order: its action, its latest status (``started``:
    an erasure still running or cut short), the subject's salted hash, the details of its last step,
    when it started and when it finished."""
    steps: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(metadata.read(storage, "audit").to_pylist(), key=lambda r: r["at"]):
        steps.setdefault(r["request_id"], []).append(r)
    rows = []
    for request_id, done in sorted(steps.items()):
        last = done[-1]
        rows.append({**{c: last[c] for c in ("action", "status", "subject", "reason", "details", "user", "host",
                                              "lakekit_version")},
                     "request_id": request_id, "started_at": done[0]["at"],
                     "ended_at": last["at"] if last["status"] == "finished" else None})
    return pa.Table.from_pylist(rows, schema=REQUESTS)


VIEWS: dict[str, tuple[pa.Schema, Callable[[Storage], pa.Table]]] = {
    f"{META_NAMESPACE}.runs": (metadata.SCHEMAS["runs"], runs),
    f"{META_NAMESPACE}.run_events": (metadata.SCHEMAS["runs"], lambda storage: metadata.read(storage, "runs")),
    f"{META_NAMESPACE}.requests": (REQUESTS, requests),
}
"""Name in a query → (its schema, how its rows are read)."""


def json_text(table: str) -> frozenset[str]:
    """The columns of lakekit's own table or view ``table`` that hold JSON text (none for a data table).

    >>> sorted(json_text("_lakekit.requests")), sorted(json_text("raw.users"))
    (['details'], [])
    """
    namespace, _, name = table.partition(".")
    if namespace != META_NAMESPACE:
        return frozenset()
    return metadata.JSON_TEXT.get({"run_events": "runs", "requests": "audit"}.get(name, name), frozenset())


def timeless(name: str) -> UsageError:
    """The error of asking the view ``name`` for a version."""
    return UsageError(f"'{name}' is a view of lakekit's records, read as they are now: it has no versions")


def unpinned(name: str) -> UsageError:
    """The error of a transform reading the view ``name``: a transform pins the version of each input."""
    return UsageError(f"'{name}' is a view of lakekit's records, read as they are now: a transform, which "
                      "records the version of each table it reads, cannot read it (query it with lakekit sql)")


def read(storage: Storage, name: str, version: int | None = None, *, as_of: datetime | str | None = None,
         columns: Sequence[str] | None = None, filter: str | pc.Expression | None = None) -> pa.Table:
    """The view ``name`` (one of :data:`VIEWS`) as it is now: its ``columns`` of the rows passing
    ``filter``, as a table's rows are read; a ``version`` or ``as_of`` is refused."""
    if version is not None or as_of is not None:
        raise timeless(name)
    import pyarrow.dataset as pads

    return select_rows(pads.dataset(VIEWS[name][1](storage)), name, columns=columns, filter=filter)
