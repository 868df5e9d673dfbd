"""The lake's history as OpenLineage run events (spec 2-0-2), for Marquez, DataHub and the like.

Each recorded transform and each model run is one OpenLineage run: a ``START`` event, then one
``COMPLETE`` or ``FAIL`` (a run still running has only its ``START``). Inputs are the table
versions read (``version`` facet), outputs the versions written, with the ``columnLineage`` facet
of their recorded edges. Datasets and jobs are named in the lake's storage location
(``file:///srv/lake``, ``s3://bucket/lake``), so events of two lakes never collide. A transform
starts when its run started and completes when it ended (``_lakekit/transform_runs``; a commit
whose run was not recorded, made by a process killed at that moment or by an older lakekit, has
both at its commit time); a transform that failed as it ran committed nothing: it starts and
fails with the type of its error, its pinned inputs and no outputs. An UPDATE or DELETE that
picked no row committed nothing either, and completes: its output is its target at the version
it read and kept, with the ``outputStatistics`` facet of zero rows and files written.

:func:`emit` sends them through the ``openlineage-python`` client (``pip install lakekit[openlineage]``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakekit.core.results import ColumnEdge
from lakekit.errors import LakekitError, UsageError
from lakekit.impact.graph import recorded_edges
from lakekit.index import metadata, views
from lakekit.lineage.render import PRODUCER, to_openlineage
from lakekit.storage.delta import Storage

if TYPE_CHECKING:
    from openlineage.client.transport import Transport

Event = dict[str, Any]
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACETS = "https://openlineage.io/spec/facets/"
LAKEKIT_RUN_FACET = ("https://raw.githubusercontent.com/lakekit/lakekit/main/lakekit/impact/facets/LakekitRunFacet.json"
                     "#/$defs/LakekitRunFacet")
"""The JSON Schema of lakekit's own run facet: ``facets/LakekitRunFacet.json``, shipped in the package."""
_SCHEMAS = {
    "nominalTime": _FACETS + "1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet",
    "errorMessage": _FACETS + "1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
    "jobType": _FACETS + "2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "sql": _FACETS + "1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
    "version": _FACETS + "1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
    "outputStatistics": (_FACETS + "1-0-2/OutputStatisticsOutputDatasetFacet.json"
                         "#/$defs/OutputStatisticsOutputDatasetFacet"),
    "lakekit_run": LAKEKIT_RUN_FACET,
}
_END = {"finished": "COMPLETE", "failed": "FAIL"}


def namespace(storage: Storage) -> str:
    """Where the lake is, as a URI: the namespace of its datasets and jobs.

    >>> namespace(Storage("s3://bucket/lake", {}))
    's3://bucket/lake'
    """
    return storage.root if "://" in storage.root else Path(storage.root).resolve().as_uri()


def events(storage: Storage, *, since: datetime | None = None, transforms: Collection[str] | None = None,
           run_ids: Collection[str] | None = None) -> list[Event]:
    """The run events of the recorded transforms (ids in ``transforms``, default all) and model runs
    (``run_ids``, default all), oldest first; with ``since``, those at or after it. Each index is
    read once, whatever the number of transforms and runs."""
    ns = namespace(storage)
    made = [r for r in metadata.read(storage, "transforms").to_pylist()
            if transforms is None or r["transform_id"] in transforms]
    ran = {r["transform_id"]: r for r in metadata.read(storage, "transform_runs").to_pylist()
           if transforms is None or r["transform_id"] in transforms}
    states = [r for r in views.runs(storage).to_pylist() if run_ids is None or r["run_id"] in run_ids]
    reads, written = _by_run(storage, "run_inputs"), _by_run(storage, "run_outputs")
    edges: dict[str, list[ColumnEdge]] = {}
    wanted = {r["transform_id"] for r in made} | {f"run:{o['output_id']}" for s in states
                                                  for o in written.get(s["run_id"], [])}
    for e in recorded_edges(storage, wanted):
        edges.setdefault(e.transform_id, []).append(e.edge)
    found = [e for r in made for e in _transform(r, ran.get(r["transform_id"]), edges.get(r["transform_id"], []), ns)]
    found += [e for r in ran.values() if r["status"] == "failed" for e in _failed(r, ns)]
    committed = {r["transform_id"] for r in made}
    found += [e for r in ran.values() if r["status"] == "finished" and r["transform_id"] not in committed
              for e in _unchanged(r, ns)]
    found += [e for s in states for e in _run(s, reads.get(s["run_id"], []), written.get(s["run_id"], []), edges, ns)]
    kept = [e for e in found if since is None or datetime.fromisoformat(e["eventTime"]) >= since]
    return sorted(kept, key=lambda e: (e["eventTime"], e["eventType"] != "START", e["run"]["runId"]))


def _by_run(storage: Storage, name: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of a runs index, by run id."""
    found: dict[str, list[dict[str, Any]]] = {}
    for r in metadata.read(storage, name).to_pylist():
        found.setdefault(r["run_id"], []).append(r)
    return found


def _transform(row: Mapping[str, Any], ran: Mapping[str, Any] | None, edges: Sequence[ColumnEdge],
               ns: str) -> list[Event]:
    start, end = ((ran["started_at"], ran["ended_at"]) if ran is not None else
                  (row["committed_at"], row["committed_at"]))
    inputs = _datasets(ns, json.loads(row["inputs"] or "{}").items())
    outputs = _datasets(ns, [(row["table"], row["version"])], edges)
    return _transform_run(row, start, end, "COMPLETE", {}, inputs, outputs, ns)


def _failed(ran: Mapping[str, Any], ns: str) -> list[Event]:
    error = _facet("errorMessage", message=ran["error"], programmingLanguage="sql")
    inputs = _datasets(ns, json.loads(ran["inputs"] or "{}").items())
    return _transform_run(ran, ran["started_at"], ran["ended_at"], "FAIL", {"errorMessage": error}, inputs, [], ns)


def _unchanged(ran: Mapping[str, Any], ns: str) -> list[Event]:
    """A run that finished without a commit (a change picking no row): its target as it kept it."""
    read = json.loads(ran["inputs"] or "{}")
    kept = [(ran["table"], read[ran["table"]])] if ran["table"] in read else []
    nothing = {"outputStatistics": _facet("outputStatistics", rowCount=0, fileCount=0)}
    outputs = [{**d, "outputFacets": nothing} for d in _datasets(ns, kept)]
    return _transform_run(ran, ran["started_at"], ran["ended_at"], "COMPLETE", {}, _datasets(ns, read.items()),
                          outputs, ns)


def _transform_run(row: Mapping[str, Any], started: datetime, ended: datetime, end: str, facets: Mapping[str, Any],
                   inputs: list[Event], outputs: list[Event], ns: str) -> list[Event]:
    """The START and the ``end`` event of one transform run (``row`` of either transforms index)."""
    start, stop = started.isoformat(), ended.isoformat()
    job = _job(ns, f"transform {row['table']}", "TRANSFORM", {"query": row["sql"], "dialect": row["dialect"]})
    run = {"runId": _uuid(f"transform:{row['transform_id']}"),
           "facets": {"nominalTime": _facet("nominalTime", nominalStartTime=start, nominalEndTime=stop), **facets}}
    return [_event("START", start, run, job, inputs, []), _event(end, stop, run, job, inputs, outputs)]


def _run(state: Mapping[str, Any], reads: Sequence[Mapping[str, Any]], written: Sequence[Mapping[str, Any]],
         edges: Mapping[str, Sequence[ColumnEdge]], ns: str) -> list[Event]:
    start = state["started_at"].isoformat()
    end = state["ended_at"].isoformat() if state["ended_at"] is not None else None
    job = _job(ns, f"run {state['name']}", "MODEL_RUN")
    inputs = _datasets(ns, sorted({(r["table"], r["version"]) for r in reads}))
    facets: dict[str, Any] = {
        "nominalTime": _facet("nominalTime", nominalStartTime=start, **({"nominalEndTime": end} if end else {})),
        "lakekit_run": _facet("lakekit_run", runId=state["run_id"], runName=state["name"],
                              **{k: json.loads(state[k] or "{}") for k in ("params", "metrics", "tags")})}
    if state["status"] == "failed":
        facets["errorMessage"] = _facet("errorMessage", message=state["error"] or "failed",
                                        programmingLanguage="python")
    run = {"runId": _uuid(f"run:{state['run_id']}"), "facets": facets}
    started = _event("START", start, run, job, inputs, [])
    if end is None or state["status"] not in _END:
        return [started]
    outputs = [d for o in sorted(written, key=lambda o: (o["written_at"], o["version"]))
               for d in _datasets(ns, [(o["table"], o["version"])], edges.get(f"run:{o['output_id']}", []))]
    return [started, _event(_END[state["status"]], end, run, job, inputs, outputs)]


def _event(kind: str, at: str, run: Event, job: Event, inputs: list[Event], outputs: list[Event]) -> Event:
    return {"eventType": kind, "eventTime": at, "producer": PRODUCER, "schemaURL": SCHEMA_URL, "run": run,
            "job": job, "inputs": inputs, "outputs": outputs}


def _job(ns: str, name: str, kind: str, sql: Mapping[str, str] | None = None) -> Event:
    facets = {"jobType": _facet("jobType", processingType="BATCH", integration="LAKEKIT", jobType=kind)}
    if sql is not None:
        facets["sql"] = _facet("sql", **sql)
    return {"namespace": ns, "name": name, "facets": facets}


def _datasets(ns: str, versions: Iterable[tuple[str, int]], edges: Sequence[ColumnEdge] = ()) -> list[Event]:
    """One dataset per (table, version), with the ``columnLineage`` facet of the edges into it."""
    lineage = to_openlineage(edges, namespace=ns)
    return [{"namespace": ns, "name": table,
             "facets": {"version": _facet("version", datasetVersion=str(version)),
                        **({"columnLineage": lineage[table]} if table in lineage else {})}}
            for table, version in versions]


def _facet(kind: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": _SCHEMAS[kind], **fields}


def _uuid(key: str) -> str:
    """A stable UUID for a transform or run (OpenLineage run ids are UUIDs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lakekit:{key}"))


def emit(found: Sequence[Event], transport: str | Transport) -> int:
    """Send ``found`` through an OpenLineage client: to ``transport``, a URL (its HTTP transport
    posts to ``<url>/api/v1/lineage``) or any ``openlineage.client.transport.Transport``. Each
    event is built as the client's own model first, which checks it. Returns how many were sent."""
    try:
        from openlineage.client import OpenLineageClient
        from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
        from openlineage.client.transport.http import HttpConfig, HttpTransport
    except ImportError:
        raise UsageError("sending OpenLineage events needs the openlineage-python client: "
                         "pip install 'lakekit[openlineage]'") from None
    if isinstance(transport, str):
        transport = HttpTransport(HttpConfig(url=transport))
    client = OpenLineageClient(transport=transport)
    for n, e in enumerate(found):
        event = RunEvent(
            eventType=RunState(e["eventType"]), eventTime=e["eventTime"], producer=e["producer"],
            run=Run(runId=e["run"]["runId"], facets=e["run"]["facets"]),
            job=Job(namespace=e["job"]["namespace"], name=e["job"]["name"], facets=e["job"]["facets"]),
            inputs=[InputDataset(namespace=d["namespace"], name=d["name"], facets=d["facets"]) for d in e["inputs"]],
            outputs=[OutputDataset(namespace=d["namespace"], name=d["name"], facets=d["facets"],
                                   outputFacets=d.get("outputFacets")) for d in e["outputs"]])
        try:
            client.emit(event)
        except (OSError, RuntimeError) as error:  # requests' errors are OSErrors; a redirect, a RuntimeError
            raise LakekitError(f"the OpenLineage endpoint did not take event {n + 1} of {len(found)} "
                               f"({type(error).__name__}); {n} were sent") from None
    return len(found)
