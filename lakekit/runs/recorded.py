"""What the lake knows about runs: their folded state, reads and outputs, read from lakekit's indexes.

``_lakekit/runs`` is a log of state changes; a run is the fold of its rows in time order (latest
status wins, params and metrics merge: :func:`lakekit.index.views.fold_runs`). Reads come from
``_lakekit/run_inputs``, versions written from ``_lakekit/run_outputs``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.core.results import Result, RunStatus
from lakekit.errors import AmbiguousRun, RunNotFound
from lakekit.index import metadata, views
from lakekit.index.provenance import RANDOM_HEX
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.storage.scan import Between


@dataclass(frozen=True)
class Read(Result):
    """One ``run.read``: the version, columns and filter used, and a fingerprint of what came back."""

    seq: int
    table: str
    version: int
    columns: tuple[str, ...] | None
    filter: dict[str, str] | None
    rows: int
    fingerprint: str


@dataclass(frozen=True)
class Artifact(Result):
    """A file a run logged: where it came from, its copy under the lake root, its content hash."""

    uri: str
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class RunInfo(Result):
    """A run as recorded: its state, what it read (``inputs`` {table: version}) and wrote (``outputs``)."""

    run_id: str
    name: str
    status: RunStatus
    error: str | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    tags: dict[str, Any]
    artifacts: tuple[Artifact, ...]
    inputs: dict[str, int]
    reads: tuple[Read, ...]
    outputs: dict[str, int]
    predictions: dict[str, Any] | None
    command: dict[str, Any] | None
    started_at: datetime
    ended_at: datetime | None
    environment: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunDependency(Result):
    """What one run read and wrote: the edges lineage, staleness and reruns walk through."""

    run_id: str
    inputs: dict[str, int]
    outputs: dict[str, int]


def rows(storage: Storage, name: str, run_id: str | None = None) -> pa.Table:
    """The rows of the runs index ``name`` (of one run when ``run_id`` is given)."""
    return metadata.read(storage, name, where=None if run_id is None else ("run_id", (run_id,)))


def runs(storage: Storage, name: str | None = None) -> pa.Table:
    """One row per run (of ``name``; its folded state), newest first; JSON text for params, metrics, tags."""
    folded = views.runs(storage)
    if name is not None:
        folded = folded.filter(pc.field("name") == name)
    columns = ["run_id", "name", "status", "error", "started_at", "ended_at", "params", "metrics", "tags",
               "command", "git_commit", "git_dirty", "user", "host"]
    return folded.select(columns).take(pa.array(range(folded.num_rows - 1, -1, -1), pa.int64()))


def predictions_table(run_id: str) -> str:
    """The ``_lakekit`` table holding a run's predictions (one per run: each model has its own columns).

    >>> predictions_table("20261207T025207.193992Z-59bf")
    '_lakekit.predictions__20261207t025207_193992z_59bf'
    """
    return f"{META_NAMESPACE}.predictions__{re.sub(r'[^0-9a-z]', '_', run_id.lower())}"


def _predictions(run_id: str, recorded: str | None) -> dict[str, Any] | None:
    """A run's recorded predictions, in the table :func:`predictions_table` names (older lakekits
    kept upper case in it, which ``lakekit repair`` renames)."""
    return {**json.loads(recorded), "table": predictions_table(run_id)} if recorded else None


def predictions(storage: Storage) -> dict[str, dict[str, Any]]:
    """Run id → the predictions it logged (``{"table", "version", "keys"}``), for runs that did."""
    folded = views.fold_runs(metadata.read(storage, "runs").to_pylist())
    return {i: found for i, s in folded.items() if (found := _predictions(i, s["predictions"])) is not None}


def superseded(recorded: pa.Table) -> set[str]:
    """Of the runs in ``recorded`` (:func:`runs`), those re-executed since: a later run is tagged
    ``rerun_of`` them."""
    tags = recorded.column("tags").to_pylist()
    return {str(rerun) for t in tags if (rerun := json.loads(t or "{}").get("rerun_of"))}


def _reads(storage: Storage, run_id: str) -> tuple[Read, ...]:
    return tuple(Read(r["seq"], r["table"], r["version"], tuple(json.loads(r["columns"])) if r["columns"] else None,
                      json.loads(r["filter"]) if r["filter"] else None, r["rows"], r["fingerprint"])
                 for r in sorted(rows(storage, "run_inputs", run_id).to_pylist(),
                                 key=lambda r: (r["read_at"], r["seq"])))


def reads(storage: Storage, run_id: str) -> tuple[Read, ...]:
    """What a run read, in order (reproduction needs nothing else of it)."""
    found = _reads(storage, run_id)
    if not found and not rows(storage, "runs", run_id).num_rows:
        raise RunNotFound(run_id)
    return found


def resolve(storage: Storage, run_id: str) -> str:
    """The recorded run ``run_id`` names: itself, or the one run whose id, or the random part of it
    after the ``-``, begins with it (in any case): ``20261207T0252``, ``59bf``.

    A prefix several runs begin with is an error saying how many; one no run begins with, :class:`RunNotFound`.
    """
    if rows(storage, "runs", run_id).num_rows:
        return run_id
    ids = set(metadata.read(storage, "runs", where=_beginning(run_id)).column("run_id").to_pylist()) if run_id \
        else set()
    wanted = run_id.lower()
    found = sorted(i for i in ids if i.lower().startswith(wanted) or i.lower().partition("-")[2].startswith(wanted))
    if len(found) > 1:
        raise AmbiguousRun(run_id, len(found))
    if not found:
        raise RunNotFound(run_id)
    return found[0]


def _beginning(prefix: str) -> Between | None:
    """The runs whose id may begin with ``prefix``: a prefix longer than an id's random part (or
    with a character it cannot hold) can only begin the time part, so only ids in its range are
    read (the log's files pruned by their statistics); a shorter one may begin either part: all.

    >>> _beginning("20261207t02")
    Between(column='run_id', low='20261207T02', high='20261207T03')
    >>> _beginning("59bf") is None
    True
    """
    time, sep, random = prefix.partition("-")
    if not sep and len(prefix) <= RANDOM_HEX and all(c in "0123456789abcdefABCDEF" for c in prefix):
        return None
    low = time.upper() + sep + random.lower()
    high = low[:-1] + chr(ord(low[-1]) + 1)
    return Between("run_id", low, high)


def run(storage: Storage, run_id: str) -> RunInfo:
    """Everything recorded about one run (``run_id``, or a prefix only it begins with)."""
    run_id = resolve(storage, run_id)
    folded = views.fold_runs(rows(storage, "runs", run_id).to_pylist())
    if run_id not in folded:
        raise RunNotFound(run_id)
    s = folded[run_id]
    reads = _reads(storage, run_id)
    outputs = {r["table"]: r["version"] for r in sorted(rows(storage, "run_outputs", run_id).to_pylist(),
                                                         key=lambda r: r["version"])}
    env = {k: s[k] for k in ("git_commit", "git_dirty", "user", "host", "python", "lakekit_version")}
    return RunInfo(
        run_id, s["name"], s["status"], s["error"], s["params"], s["metrics"], s["tags"],
        tuple(Artifact(**a) for a in s["artifacts"].values()), {r.table: r.version for r in reads}, reads, outputs,
        _predictions(run_id, s["predictions"]), json.loads(s["command"]) if s["command"] else None,
        s["started_at"], s["ended_at"], {**env, "packages": json.loads(s["packages"] or "{}")},
    )


def run_dependencies(storage: Storage) -> list[RunDependency]:
    """Per run, in run id (start) order: the versions it read and the versions it wrote. A
    version a run wrote depends on every version that run read."""
    inputs: dict[str, dict[str, int]] = {}
    outputs: dict[str, dict[str, int]] = {}
    for r in sorted(metadata.read(storage, "run_outputs").to_pylist(), key=lambda r: r["version"]):
        outputs.setdefault(r["run_id"], {})[r["table"]] = r["version"]
        inputs.setdefault(r["run_id"], {}).update(json.loads(r["inputs"] or "{}"))
    for r in sorted(metadata.read(storage, "run_inputs").to_pylist(), key=lambda r: (r["read_at"], r["seq"])):
        inputs.setdefault(r["run_id"], {})[r["table"]] = r["version"]
    return [RunDependency(i, inputs.get(i, {}), outputs.get(i, {})) for i in sorted(inputs.keys() | outputs.keys())]
