"""OpenLineage events of a real lake: one START and one COMPLETE/FAIL per transform and per model
run, sent through the openlineage-python client to an HTTP server on 127.0.0.1 that checks each
event against the official OpenLineage JSON Schemas (``openlineage_spec/``, vendored)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandera.polars as pa_polars
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import FailedChecks, LakekitError, SqlError
from tests.impact.openlineage_schemas import SHIPPED, errors, facet_errors


class Unknown(pa_polars.DataFrameModel):
    """No country is known: every row fails."""

    user_id: int
    country: str = pa_polars.Field(isin=["xx"])


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    """raw.users (v0), a transform into clean.users, a failed transform, a run that reads
    clean.users and writes scored.users, a failed run, and a run still running."""
    lake = lk.Lake(tmp_path / "lake")
    (tmp_path / "u.csv").write_text("user_id,country\n1,de\n2,nl\n")
    lake.ingest("raw.users", str(tmp_path / "u.csv"))
    lake.transform("clean.users", "SELECT user_id, upper(country) AS country FROM raw.users", dialect="duckdb")
    with pytest.raises(FailedChecks):  # it ran: its rows failed a rejecting check
        lake.transform("clean.bad", "SELECT user_id, country FROM raw.users", schema=Unknown, on_invalid="fail")
    with pytest.raises(SqlError):  # refused as written: it never ran, no events
        lake.transform("clean.typo", "SELECT user_id, nope FROM raw.users")
    with lake.start_run("scorer", params={"depth": 3}) as run:
        rows = run.read("clean.users")
        run.log_metrics({"auc": 0.9})
        run.write("scored.users", rows.append_column("score", pa.array([0.1, 0.7])))
    with pytest.raises(ValueError), lake.start_run("broken") as failed:
        failed.read("raw.users")
        raise ValueError("the model would not fit")
    lake.start_run("hanging")  # never ended: as if its process died
    lake.ids = {"scorer": run.run_id, "broken": failed.run_id}  # type: ignore[attr-defined]
    return lake


def by_job(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    jobs: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        jobs.setdefault(e["job"]["name"], []).append(e)
    return jobs


def test_one_start_and_one_end_per_transform_and_run_with_versions_and_lineage(lake: lk.Lake) -> None:
    events = lake.lineage.events()
    assert all(errors(e) == [] for e in events)
    jobs = by_job(events)
    assert {j: [e["eventType"] for e in es] for j, es in jobs.items()} == {
        "transform clean.users": ["START", "COMPLETE"], "transform clean.bad": ["START", "FAIL"],
        "run scorer": ["START", "COMPLETE"],
        "run broken": ["START", "FAIL"], "run hanging": ["START"]}
    namespace = (Path(lake.root).resolve()).as_uri()
    assert namespace.startswith("file:///")
    assert {d["namespace"] for e in events for d in [e["job"], *e["inputs"], *e["outputs"]]} == {namespace}
    start, done = jobs["transform clean.users"]
    assert start["run"]["runId"] == done["run"]["runId"]
    assert start["eventTime"] < done["eventTime"]  # the run's start, then its end: not twice the commit time
    committed = lake.history("clean.users")[0].timestamp
    assert datetime.fromisoformat(start["eventTime"]) < committed <= datetime.fromisoformat(done["eventTime"])
    began, failed = jobs["transform clean.bad"]
    assert began["eventTime"] <= failed["eventTime"] and failed["outputs"] == []
    assert [(d["name"], d["facets"]["version"]["datasetVersion"]) for d in failed["inputs"]] == [("raw.users", "0")]
    assert failed["run"]["facets"]["errorMessage"]["message"] == "FailedChecks"
    assert failed["job"]["facets"]["sql"]["query"] == "SELECT user_id, country FROM raw.users"
    assert [(d["name"], d["facets"]["version"]["datasetVersion"]) for d in done["inputs"]] == [("raw.users", "0")]
    (out,) = done["outputs"]
    assert out["name"] == "clean.users" and set(out["facets"]["columnLineage"]["fields"]) == {"user_id", "country"}
    assert done["job"]["facets"]["sql"]["query"].startswith("SELECT user_id")
    _, scored = jobs["run scorer"]
    assert [(d["name"], d["facets"]["version"]["datasetVersion"]) for d in scored["inputs"]] == [("clean.users", "0")]
    (written,) = scored["outputs"]
    assert written["name"] == "scored.users" and "user_id" in written["facets"]["columnLineage"]["fields"]
    facet = scored["run"]["facets"]["lakekit_run"]
    assert (facet["runId"], facet["params"], facet["metrics"]) == (lake.ids["scorer"], {"depth": 3}, {"auc": 0.9})
    assert jobs["run broken"][1]["run"]["facets"]["errorMessage"]["message"] == "ValueError"
    facets = [f for e in events for f in [*e["run"]["facets"].values(), *e["job"]["facets"].values(),
                                          *(f for d in [*e["inputs"], *e["outputs"]] for f in d["facets"].values())]]
    assert all(urlparse(f["_producer"]).scheme == urlparse(f["_schemaURL"]).scheme == "https" for f in facets)
    assert all(not urlparse(f["_schemaURL"]).path.endswith(".md") for f in facets)  # a JSON Schema, not a page
    shipped = json.loads((SHIPPED / "LakekitRunFacet.json").read_text())
    assert facet["_schemaURL"] == shipped["$id"] + "#/$defs/LakekitRunFacet"  # the package's copy, checked above
    assert facet_errors({**facet, "params": "depth=3"}) == ["'depth=3' is not of type 'object'"]
    assert facet_errors({k: v for k, v in facet.items() if k != "runName"}) == ["'runName' is a required property"]
    paged = {**facet, "_schemaURL": "https://github.com/lakekit/lakekit/blob/main/docs/metadata.md#openlineage"}
    assert errors({**scored, "run": {**scored["run"], "facets": {"lakekit_run": paged}}}) == [
        f"facet 'lakekit_run': no vendored schema for {paged['_schemaURL']}"]
    unfaceted = {**done, "run": {"runId": "not-a-uuid", "facets": {"nominalTime": {}}}}
    refused = errors(unfaceted)  # the schemas do refuse: a bad run id, a facet without _producer, _schemaURL
    assert any("not-a-uuid" in e for e in refused) and any("'_producer' is a required" in e for e in refused)
    nominal = done["run"]["facets"]["nominalTime"]
    untimed = {**done, "run": {**done["run"], "facets": {"nominalTime": {**nominal, "nominalStartTime": 3}}}}
    assert errors(untimed) == ["facet 'nominalTime': 3 is not of type 'string'"]  # the facet's own schema
    future = {**nominal, "_schemaURL": nominal["_schemaURL"].replace("1-0-1", "9-9-9")}
    assert errors({**done, "run": {**done["run"], "facets": {"nominalTime": future}}}) == [
        f"facet 'nominalTime': no vendored schema for {future['_schemaURL']}"]


def test_a_change_picking_no_row_completes_with_nothing_written(lake: lk.Lake, endpoint) -> None:
    result = lake.transform("raw.users", "DELETE FROM raw.users WHERE user_id > 100", dialect="postgres")
    assert "picks no row" in result.reason
    events = lake.lineage.events()
    assert all(errors(e) == [] for e in events)
    start, done = by_job(events)["transform raw.users"]
    assert (start["eventType"], done["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == done["run"]["runId"] and start["eventTime"] <= done["eventTime"]
    assert [(d["name"], d["facets"]["version"]["datasetVersion"]) for d in done["inputs"]] == [("raw.users", "0")]
    (out,) = done["outputs"]
    assert (out["name"], out["facets"]["version"]["datasetVersion"]) == ("raw.users", "0")
    statistics = out["outputFacets"]["outputStatistics"]
    assert (statistics["rowCount"], statistics["fileCount"]) == (0, 0) and facet_errors(statistics) == []
    url, handler = endpoint
    lake.lineage.emit(url)
    sent = [e for e in handler.received if e["job"]["name"] == "transform raw.users"]
    assert sent[-1]["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 0


def test_since_keeps_the_events_at_or_after_it(lake: lk.Lake) -> None:
    events = lake.lineage.events()
    cut = datetime.fromisoformat(events[len(events) // 2]["eventTime"])
    later = lake.lineage.events(since=cut)
    assert later == [e for e in events if datetime.fromisoformat(e["eventTime"]) >= cut] and len(later) > 0
    assert lake.lineage.events(since=datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)) == []


class _Collector(BaseHTTPRequestHandler):
    """An OpenLineage endpoint: keeps each event it is posted, 400 for one its schema refuses."""

    received: list[dict[str, Any]]
    refusing = False

    def do_POST(self) -> None:
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = self.path == "/api/v1/lineage" and not errors(event) and not self.refusing
        if ok:
            self.received.append(event)
        self.send_response(200 if ok else 400)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[tuple[str, type[_Collector]]]:
    handler = type("Handler", (_Collector,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_emit_sends_every_event_through_the_openlineage_client(lake: lk.Lake, endpoint) -> None:
    url, handler = endpoint
    events = lake.lineage.events()
    assert lake.lineage.emit(url) == len(events)
    assert [_essence(e) for e in handler.received] == [_essence(e) for e in events]


def _essence(event: dict[str, Any]) -> tuple[Any, ...]:
    """What lakekit said in an event (the client adds facets of its own and empty input facets)."""
    return (event["eventType"], event["eventTime"], event["run"]["runId"], event["job"]["name"],
            event["run"]["facets"].get("lakekit_run"),
            [(d["namespace"], d["name"], d["facets"]) for d in [*event["inputs"], *event["outputs"]]])


def test_an_endpoint_refusing_an_event_is_a_one_line_error(lake: lk.Lake, endpoint) -> None:
    url, handler = endpoint
    handler.refusing = True
    with pytest.raises(LakekitError, match=r"did not take event 1 of \d+ \(HTTPError\); 0 were sent"):
        lake.lineage.emit(url)


def test_cli_events_as_json_lines_and_sent_with_to(lake: lk.Lake, endpoint) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["lineage", "events", "--lake", lake.root])
    assert printed.exit_code == 0
    assert [json.loads(line) for line in printed.stdout.splitlines()] == json.loads(json.dumps(lake.lineage.events()))
    whole = runner.invoke(app, ["lineage", "events", "--json", "--lake", lake.root]).stdout
    assert json.loads(whole) == [json.loads(line) for line in printed.stdout.splitlines()]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert runner.invoke(app, ["lineage", "events", "--since", tomorrow, "--lake", lake.root]).stdout == ""
    url, handler = endpoint
    sent = runner.invoke(app, ["lineage", "events", "--to", url, "--lake", lake.root])
    assert sent.exit_code == 0 and len(handler.received) == len(printed.stdout.splitlines())


def test_mermaid_shows_the_runs_with_the_versions_they_read_and_wrote(lake: lk.Lake) -> None:
    chart = CliRunner().invoke(app, ["lineage", "down", "raw.users", "-f", "mermaid", "--lake", lake.root]).stdout
    run_line = next(line for line in chart.splitlines() if "[[" in line)
    node = run_line.split("[[")[0].strip()
    assert f"run scorer {lake.ids['scorer']}" in run_line
    assert any(line.strip().startswith(f"{node} ==>|v0|") for line in chart.splitlines())
    assert any(line.strip().endswith(f"==>|v0| {node}") for line in chart.splitlines())
