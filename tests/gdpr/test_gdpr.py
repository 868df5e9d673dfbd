"""GDPR requests on a real lake: find a subject everywhere, export, erase with proof, audit.

The lake: ``crm.people`` (alice holds two accounts under one e-mail and shares a campus IP
with bob), ``crm.orders`` (one of alice's orders is quarantined), ``crm.blocklist`` (that
IP), a derived table keyed by user (``mart.spend``), an aggregate without identifiers
(``mart.by_country``), and a run that read the people and predicted for them.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake
from typer.testing import CliRunner

from lakekit import FeatureView, Lake
from lakekit.cli import app
from lakekit.errors import NotReproducible, UsageError
from lakekit.runs import predictions_table
from lakekit.storage import files, log
from lakekit.write import quarantine
from tests.gdpr.gdpr_models import People

ALICE = "alice@example.com"
CAMPUS_IP = "10.20.30.40"


def _csv(path: Path, header: str, *rows: str) -> str:
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


def _crm(tmp_path: Path) -> tuple[Lake, str]:
    lake = Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models")
    src = tmp_path / "src"
    src.mkdir()
    people = "user_id,email,name,ip,country"
    lake.ingest("crm.people", _csv(src / "p0.csv", people, f"2,bob@example.com,Bob,{CAMPUS_IP},SE",
                                   "3,carol@example.com,Carol,10.0.0.3,FI"))
    lake.ingest("crm.people", _csv(src / "p1.csv", people, f"1,{ALICE},Alice,{CAMPUS_IP},SE"))
    lake.ingest("crm.people", _csv(src / "p2.csv", people, f"7,{ALICE},Alice A.,10.0.0.7,SE",
                                   "4,dave@example.com,Dave,10.0.0.4,NO"))
    lake.ingest("crm.orders", _csv(src / "o0.csv", "order_id,user_id,amount", "100,1,10.0", "101,2,20.0",
                                   "102,7,5.0", "103,1,-5.0", "104,3,1.0"))
    lake.ingest("crm.blocklist", _csv(src / "b0.csv", "ip,reason", f"{CAMPUS_IP},spam"))
    lake.transform("mart.spend", "SELECT user_id, SUM(amount) AS spend FROM crm.orders GROUP BY user_id",
                   dialect="duckdb")
    lake.transform("mart.by_country", "SELECT p.country, SUM(o.amount) AS total FROM crm.orders o "
                   "JOIN crm.people p ON o.user_id = p.user_id GROUP BY p.country", dialect="duckdb")
    with lake.start_run("churn") as run:
        people_now = run.read("crm.people")
        run.log_predictions(pa.table({"user_id": people_now.column("user_id"),
                                      "churn": [0.5] * people_now.num_rows}), keys=["user_id"])
    return lake, run.run_id


def test_find_follows_unique_keys_and_never_a_shared_ip(tmp_path: Path) -> None:
    lake, run_id = _crm(tmp_path)
    report = lake.gdpr.find(email=ALICE)
    hits = {h.table: h for h in report.tables}
    assert report.identifiers == {"email": 1, "user_id": 2}
    assert hits["crm.people"].rows == 2 and hits["crm.people"].versions == (1, 2)
    assert hits["crm.orders"].rows == 2
    assert hits["_lakekit.quarantine__crm__orders"].rows == 1
    assert hits["mart.spend"].rows == 2 and hits["mart.spend"].columns == ("user_id",)
    assert sum(h.rows for h in report.tables if h.place == "predictions") == 2
    assert "crm.blocklist" not in hits
    assert run_id in report.runs and "mart.by_country" in report.downstream
    assert ALICE not in json.dumps(report.asdict(), default=str)
    assert lake.gdpr.find(user_id=2).identifiers == {"user_id": 1}


def test_export_holds_the_subjects_rows_their_sources_and_runs(tmp_path: Path) -> None:
    lake, run_id = _crm(tmp_path)
    out = lake.gdpr.export(email=ALICE)
    people = out["tables"]["crm.people"]["versions"]
    assert sorted(people) == ["1", "2"] and [r["user_id"] for r in people["1"]] == [1]
    assert sorted(r["user_id"] for r in people["2"]) == [1, 7] and {r["email"] for r in people["2"]} == {ALICE}
    assert sorted(r["order_id"] for r in out["tables"]["crm.orders"]["versions"]["0"]) == [100, 102]
    assert [r["order_id"] for r in out["tables"]["_lakekit.quarantine__crm__orders"]["versions"]["0"]] == [103]
    predictions = out["tables"][predictions_table(run_id)]
    assert sorted(r["user_id"] for r in predictions["versions"]["0"]) == [1, 7]
    assert {s["files"][0]["uri"].rsplit("/", 1)[-1] for s in out["sources"]} >= {"p1.csv", "p2.csv", "o0.csv"}
    assert [r["run_id"] for r in out["runs"]] == [run_id]
    json.dumps(out)


def test_erase_rewrites_every_version_without_the_subject_and_proves_it(tmp_path: Path) -> None:
    lake, run_id = _crm(tmp_path)
    versions = {v: lake.read("crm.people", version=v) for v in range(3)}
    untouched = {p: p.read_bytes() for p in [tmp_path / "lake/crm/people/_delta_log" / f"{0:020d}.json",
                                             *(tmp_path / "lake/crm/blocklist").rglob("*"),
                                             *(Path(u) for u in DeltaTable(lake._storage.uri("crm.people"),
                                                                           version=0).file_uris())]
                 if p.is_file()}
    report = lake.gdpr.erase(email=ALICE, reason="request #123")
    assert {p: p.read_bytes() for p in untouched} == untouched  # what never held alice: byte for byte
    assert report.verified and report.residue == () and not report.resumed
    done = {t.table: t for t in report.tables}
    assert done["crm.people"].rows_removed == 2 and done["crm.people"].versions_rewritten == (1, 2)
    assert done["crm.orders"].rows_removed == 2 and done["_lakekit.quarantine__crm__orders"].rows_removed == 1
    people = lake.read("crm.people")
    assert sorted(people.column("user_id").to_pylist()) == [2, 3, 4]
    assert lake.read("crm.people", version=0).equals(versions[0])  # never held alice: untouched
    for version, before in versions.items():  # every version readable, minus alice, through lakekit and delta-rs
        mine = [r for r in before.to_pylist() if r["email"] != ALICE]
        assert lake.read("crm.people", version=version).to_pylist() == mine
        assert sorted(DeltaTable(lake._storage.uri("crm.people"), version=version).to_pyarrow_table()
                      .column("user_id").to_pylist()) == sorted(r["user_id"] for r in mine)
    assert sorted(lake.read("crm.orders").column("order_id").to_pylist()) == [101, 104]
    assert sorted(lake.read("mart.spend").column("user_id").to_pylist()) == [2, 3]
    assert lake.read("crm.blocklist").num_rows == 1
    assert run_id in report.runs and report.unreproducible == () and "mart.by_country" in report.downstream
    again = lake.reproduce(run_id)
    assert sorted(again["crm.people"].column("user_id").to_pylist()) == [2, 3, 4]
    assert [(e.table, e.rows_removed, e.requests) for e in again.erased] == [("crm.people", 2, (report.request_id,))]
    assert not lake.gdpr.find(email=ALICE).found
    assert lake.gdpr.verify(email=ALICE).verified
    everything = [p for p in (tmp_path / "lake").rglob("*") if p.is_file()]
    assert not [p for p in everything if ALICE.encode() in p.read_bytes()]
    trail = lake.gdpr.audit(email=ALICE)
    assert [(r["action"], r["status"]) for r in trail.to_pylist()][-4:] == [
        ("erase", "started"), ("erase", "finished"), ("find", "finished"), ("verify", "finished")]
    assert ALICE not in json.dumps(trail.to_pylist(), default=str)
    history = lake.history("crm.people")
    assert history[0].operation != "" and history[0].provenance.operation == "erase"
    assert history[0].provenance.write_id == report.request_id and history[0].provenance.rows_removed == 2
    assert done["crm.people"].version == history[0].version == 3


def test_a_file_the_erasure_did_not_touch_is_still_checked_bit_for_bit_on_reproduce(tmp_path: Path) -> None:
    lake, run_id = _crm(tmp_path)
    lake.gdpr.erase(email=ALICE, reason="request #13")
    assert lake.reproduce(run_id).erased
    (bobs,) = DeltaTable(lake._storage.uri("crm.people"), version=0).file_uris()  # never held alice
    rows = pq.read_table(bobs)
    pq.write_table(rows.set_column(rows.schema.get_field_index("name"), "name",
                                   pa.array(["Rob" if n == "Bob" else n for n in rows.column("name").to_pylist()])),
                   bobs)
    with pytest.raises(NotReproducible, match=r"crm\.people"):
        lake.reproduce(run_id)


def test_erase_refuses_a_reason_that_names_the_subject_and_leaves_the_lake_unchanged(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    before = lake.read("crm.people")
    with pytest.raises(UsageError, match="reason"):
        lake.gdpr.erase(email=ALICE, reason=f"asked by {ALICE}")
    with pytest.raises(UsageError, match="identifier"):
        lake.gdpr.erase(reason="request #1")
    assert lake.read("crm.people").equals(before)


def test_a_table_without_load_ids_is_rewritten_whole(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    lake.ingest("crm.orders", _csv(tmp_path / "o1.csv", "order_id,user_id,amount", "105,7,3.0"))
    report = lake.gdpr.erase(user_id=7, reason="ticket 9")
    assert report.verified
    assert 7 not in lake.read("mart.spend").column("user_id").to_pylist()
    assert sorted(lake.read("crm.orders").column("order_id").to_pylist()) == [100, 101, 104]
    assert {t.table for t in report.tables if t.rows_removed} >= {"crm.people", "crm.orders", "mart.spend"}


def lake_audit(tmp_path: Path) -> list[dict[str, Any]]:
    return Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models").gdpr.audit().to_pylist()


def test_cli_find_export_erase_verify_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake, churn = _crm(tmp_path)
    (tmp_path / f"{ALICE}.txt").write_text("seen\n")  # a run artifact named after her
    with lake.start_run("notes") as noted:
        noted.log_artifact(tmp_path / f"{ALICE}.txt")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lakekit.toml").write_text('lake = "lake"\nschema_package = "tests.gdpr.gdpr_models"\n')
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout + result.stderr

    code, text = run("gdpr", "find", f"email={ALICE}")
    assert code == 0 and "crm.people" in text and ALICE not in text
    assert "[erase" in text  # the artifact under its redacted name (printed as is, not taken for markup)
    code, text = run("gdpr", "find", f"email={ALICE}", "--json")
    found = json.loads(text)
    assert [(a["run_id"], a["path"].rsplit("/", 1)[-1], a["renamed"]) for a in found["artifacts"]] == [
        (noted.run_id, f"[erased:{found['subject']}].txt", True)] and ALICE not in text
    code, text = run("gdpr", "verify", f"email={ALICE}")
    assert code == 1 and "its name" in text and ALICE not in text
    code, text = run("gdpr", "export", f"email={ALICE}", "--to", "alice.json")
    assert code == 0 and ALICE not in text
    exported = json.loads((tmp_path / "alice.json").read_text())["tables"]["crm.people"]["versions"]
    assert {r["email"] for rows in exported.values() for r in rows} == {ALICE}
    assert run("gdpr", "find", "phone=123")[0] == 1
    code, text = run("gdpr", "find", ALICE)  # the kind forgotten: a usage error that does not echo it
    assert code == 2 and ALICE not in text
    code, text = run("gdpr", "export", f"email={ALICE}", "--to", "no/such/folder/alice.json")
    assert code == 1 and len(text.strip().splitlines()) == 1 and ALICE not in text
    for nowhere in ("/nonexistent/x.json", str(tmp_path)):  # no such folder; a folder, not a file
        code, text = run("gdpr", "export", f"email={ALICE}", "--to", nowhere)
        assert code == 1 and len(text.strip().splitlines()) == 1 and ALICE not in text, text
    exports = [r for r in lake_audit(tmp_path) if r["action"] == "export"]
    assert len(exports) == 1  # the failed one is not recorded
    code, text = run("gdpr", "erase", f"email={ALICE}", "--reason", f"from {ALICE}", "--yes")
    assert code == 1 and len(text.strip().splitlines()) == 1 and ALICE not in text
    assert run("gdpr", "erase", f"email={ALICE}", "--reason", "request #5")[0] == 1  # not confirmed
    code, text = run("gdpr", "erase", f"email={ALICE}", "--reason", "request #5", "--yes", "--json")
    assert code == 0 and json.loads(text)["verified"] is True
    request = json.loads(text)["request_id"]
    code, text = run("runs", "reproduce", churn, "--json")  # her rows gone from what the run read, said so
    assert code == 0 and [(r["input"], r["rows"], r["rows_erased"], r["erased_by"]) for r in json.loads(text)] == [
        ("crm.people", 3, 2, [request])]
    assert run("gdpr", "verify", f"email={ALICE}")[0] == 0
    code, text = run("gdpr", "audit", f"email={ALICE}", "--json")
    assert code == 0 and {(r["action"], r["status"]) for r in json.loads(text)} >= {("erase", "finished")}
    assert ALICE not in text


def test_copies_of_personal_columns_keep_no_statistics_and_no_partitions(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    assert lake._storage.open("mart.spend").metadata().configuration["delta.dataSkippingStatsColumns"] == "spend"
    lake.transform("mart.top", "SELECT user_id, spend FROM mart.spend WHERE spend > 1", dialect="duckdb")
    assert lake._storage.open("mart.top").metadata().configuration["delta.dataSkippingStatsColumns"] == "spend"
    assert "delta.dataSkippingStatsColumns" not in lake._storage.open("mart.by_country").metadata().configuration
    source = _csv(tmp_path / "pm.csv", "user_id,email,name,ip,country", "9,x@example.com,X,10.0.0.9,SE")
    with pytest.raises(UsageError, match="partitioned by 'email'"):
        lake.ingest("crm.people_by_mail", source, schema=People, partition_by=["email"])
    assert not lake._storage.exists("crm.people_by_mail")


def test_rows_staged_by_a_load_that_never_committed_are_found_and_erased(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    rejected = pa.table({"order_id": [200, 201], "user_id": [1, 3], "amount": [-1.0, -2.0]})
    quarantine.stage(lake._storage, "crm.orders", [rejected], load_id="killed-load")
    hits = {h.key: h for h in lake.gdpr.find(email=ALICE).tables}
    assert hits["crm.orders (staged)"].rows == 1
    report = lake.gdpr.erase(email=ALICE, reason="request #7")
    assert report.verified
    left = files.read(files.dataset(lake._storage, quarantine.staging_folder("crm.orders"), "killed-load.parquet"))
    assert left.column("user_id").to_pylist() == [3]


def test_a_file_left_under_the_artifacts_folder_outside_any_run_is_searched_and_redacted(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    stray = tmp_path / "lake" / "_lakekit" / "artifacts" / "notes.txt"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text(f"call {ALICE}\n")
    assert [(a.path, a.mentions) for a in lake.gdpr.find(email=ALICE).artifacts] == [("_lakekit/artifacts/notes.txt",
                                                                                     1)]
    report = lake.gdpr.erase(email=ALICE, reason="request #14")
    assert report.verified and stray.read_text() == f"call [erased:{report.subject}]\n"


def test_statistics_written_before_tagging_are_recomputed_without_the_subject(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models")
    people = pa.table({"user_id": [1, 2], "email": [ALICE, "bob@example.com"], "name": ["Alice", "Bob"],
                       "ip": [CAMPUS_IP, CAMPUS_IP], "country": ["SE", "SE"]})
    uri = lake._storage.uri("crm.people")
    write_deltalake(uri, people)  # outside lakekit: statistics on every column
    write_deltalake(uri, people.slice(1), mode="append")
    DeltaTable(uri).create_checkpoint()
    folder = tmp_path / "lake" / "crm" / "people" / "_delta_log"
    assert any(ALICE.encode() in p.read_bytes() for p in folder.iterdir())
    report = lake.gdpr.erase(email=ALICE, reason="request #8")
    assert report.verified and report.tables[0].checkpoints_rewritten == 1
    assert not any(ALICE.encode() in p.read_bytes() for p in folder.iterdir())
    assert lake.read("crm.people", version=0).column("user_id").to_pylist() == [2]
    assert lake.read("crm.people", version=1).column("user_id").to_pylist() == [2, 2]
    commit = (folder / f"{0:020d}.json").read_text().splitlines()
    stats = [json.loads(json.loads(line)["add"]["stats"]) for line in commit if line.startswith('{"add"')]
    assert [(s["numRecords"], s["minValues"]["email"]) for s in stats] == [(1, "bob@example.com")]


def test_free_text_statistics_in_commits_and_checkpoints_are_recomputed_from_the_redacted_text(
        tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models")
    lake.ingest("shop.customers", _csv(tmp_path / "c.csv", "customer_id,email,ip,country",
                                       "1,bob@example.com,10.0.0.2,SE"))
    uri = lake._storage.uri("shop.events")
    events = pa.table({"event_id": pa.array([1, 2], pa.int64()), "message": [f"zz: login failed for {ALICE}",
                                                                            "all quiet"]})
    write_deltalake(uri, events)  # outside lakekit: statistics on the free-text column
    write_deltalake(uri, events.slice(1), mode="append")
    DeltaTable(uri).create_checkpoint()
    folder = tmp_path / "lake" / "shop" / "events" / "_delta_log"
    assert sum(ALICE.encode() in p.read_bytes() for p in folder.iterdir()) == 2  # a commit and the checkpoint
    report = lake.gdpr.erase(email=ALICE, reason="request #12")
    assert report.verified and report.tables[0].checkpoints_rewritten == 1
    assert not any(ALICE.encode() in p.read_bytes() for p in folder.iterdir())
    mention = f"zz: login failed for [erased:{report.subject}]"
    assert lake.read("shop.events", version=0).column("message").to_pylist() == [mention, "all quiet"]
    assert sorted(lake.read("shop.events", version=1).column("message").to_pylist()) == \
        ["all quiet", "all quiet", mention]
    commit = (folder / f"{0:020d}.json").read_text().splitlines()
    stats = [json.loads(json.loads(line)["add"]["stats"]) for line in commit if line.startswith('{"add"')]
    assert [(s["minValues"]["message"], s["maxValues"]["message"]) for s in stats] == [("all quiet", mention)]
    checkpoint = pq.read_table(next(folder.glob("*.checkpoint*.parquet"))).column("add").to_pylist()
    maxima = [json.loads(a["stats"])["maxValues"]["message"] for a in checkpoint if a]
    assert maxima and set(maxima) <= {mention, "all quiet"} and mention in maxima


def test_an_identifier_spelled_in_lakekits_own_rows_and_commits_is_rewritten(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    lake.transform("mart.alice", f"SELECT user_id FROM crm.people WHERE email = '{ALICE}'", dialect="duckdb")
    DeltaTable(lake._storage.uri("crm.orders")).delete("user_id = 7")  # Delta logs the predicate word for word
    report = lake.gdpr.erase(email=ALICE, reason="request #9")
    assert report.verified and "crm.orders" not in report.logs  # its data held alice too: one rewrite
    subject = report.subject
    sql = [r["sql"] for r in lake._storage.read("_lakekit.transforms").to_pylist() if r["table"] == "mart.alice"]
    assert sql == [f"SELECT user_id FROM crm.people WHERE email = '[erased:{subject}]'"]
    predicates = [e.get("operationParameters", {}).get("predicate") for e in lake._storage.history("crm.orders")]
    assert f"user_id = '[erased:{subject}]'" in predicates
    assert lake.gdpr.verify(email=ALICE).verified


def test_rows_of_lakekits_own_tables_compacted_into_another_file_are_found_and_erased_in_both(
        tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    lake.transform("mart.alice", f"SELECT user_id FROM crm.people WHERE email = '{ALICE}'", dialect="duckdb")
    lake.transform("mart.ids", "SELECT user_id FROM crm.people", dialect="duckdb")
    lake._storage.compact("_lakekit.transforms")  # the small files stay: a reader's snapshot may still need them
    folder = tmp_path / "lake" / "_lakekit" / "transforms"

    def holding() -> list[str]:
        return sorted(p for p in files.parquet_files(lake._storage, "_lakekit/transforms")
                      if ALICE in json.dumps(pq.read_table(folder / p).to_pylist(), default=str))

    assert len(holding()) == 2  # the file the transform appended, and the compacted one
    assert {h.key: h for h in lake.gdpr.find(email=ALICE).tables}["_lakekit.transforms"].files == tuple(holding())
    assert "_lakekit.transforms" not in {h.key for h in lake.gdpr.find(email="bob@example.com").tables}
    assert lake.gdpr.erase(email=ALICE, reason="request #12").verified
    assert holding() == [] and lake.gdpr.verify(email=ALICE).verified


def test_find_erase_verify_on_s3(s3: Any, tmp_path: Path) -> None:
    lake = Lake(s3.url("lake"), storage_options=s3.options, schemas="tests.gdpr.gdpr_models")
    people = "user_id,email,name,ip,country"
    lake.ingest("crm.people", _csv(tmp_path / "p0.csv", people, f"2,bob@example.com,Bob,{CAMPUS_IP},SE"))
    lake.ingest("crm.people", _csv(tmp_path / "p1.csv", people, f"1,{ALICE},Alice,{CAMPUS_IP},SE"))
    lake.ingest("crm.orders", _csv(tmp_path / "o0.csv", "order_id,user_id,amount", "100,1,10.0", "101,2,20.0",
                                   "103,1,-5.0"))
    write_deltalake(s3.url("lake/crm/blocklist"), pa.table({"ip": [CAMPUS_IP], "reason": ["spam"]}),
                    storage_options=s3.options)
    hits = {h.table: h for h in lake.gdpr.find(email=ALICE).tables}
    assert hits["crm.people"].versions == (1,) and hits["crm.orders"].rows == 1
    assert hits["_lakekit.quarantine__crm__orders"].rows == 1 and "crm.blocklist" not in hits
    report = lake.gdpr.erase(email=ALICE, reason="request #10")
    assert report.verified and lake.gdpr.verify(email=ALICE).verified
    assert lake.read("crm.people", version=0).column("user_id").to_pylist() == [2]
    assert lake.read("crm.people", version=1).column("user_id").to_pylist() == [2]
    assert lake.read("crm.orders").column("order_id").to_pylist() == [101]
    fs = s3.fs()
    assert fs.exists(f"{s3.bucket}/lake/_lakekit/subject.key")
    assert not fs.glob(f"{s3.bucket}/lake/_lakekit/requests/*.json")
    fs.invalidate_cache()
    assert not [p for p in fs.find(f"{s3.bucket}/lake") if not p.endswith("/") and ALICE.encode() in fs.cat(p)]


def test_version_files_replays_the_log_as_each_version_reads(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    uri = lake._storage.uri("t.x")
    rows = pa.table({"id": [1, 2, 3], "v": ["a", "b", "c"]})
    write_deltalake(uri, rows, partition_by=["v"])
    write_deltalake(uri, pa.table({"id": [4], "v": ["a"]}), mode="append")
    table = DeltaTable(uri)
    table.delete("id = 2")
    (table.merge(pa.table({"id": [3, 5], "v": ["c", "d"]}), "t.id = s.id", source_alias="s", target_alias="t")
     .when_matched_update_all().when_not_matched_insert_all().execute())
    table.optimize.compact()
    table.create_checkpoint()
    write_deltalake(uri, rows, mode="overwrite")
    found = log.version_files(lake._storage, "t.x")
    assert sorted(found) == list(range(DeltaTable(uri).version() + 1))
    for version, paths in found.items():
        snapshot = DeltaTable(uri, version=version).get_add_actions(flatten=False)
        assert paths == frozenset(unquote(p) for p in pa.table(snapshot).column("path").to_pylist())


def test_a_kept_replay_follows_every_change_of_the_log(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    uri = lake._storage.uri("crm.people")
    before = log.replay(lake._storage, "crm.people")
    assert log.replay(lake._storage, "crm.people") is before  # the same log: kept
    assert lake.gdpr.erase(email=ALICE, reason="request #13").verified  # commits rewritten, a commit added
    after = log.replay(lake._storage, "crm.people")
    assert after.latest == before.latest + 1 and after.versions != before.versions
    for version, paths in after.versions.items():
        snapshot = DeltaTable(uri, version=version).get_add_actions(flatten=False)
        assert paths == frozenset(unquote(p) for p in pa.table(snapshot).column("path").to_pylist())


def test_processes_making_the_subject_key_at_once_all_get_the_same(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: Lake(root)._storage.secret(), range(16)))
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert [p.name for p in (root / "_lakekit").iterdir()] == ["subject.key"]


def test_a_training_set_built_from_the_subject_reproduces_minus_them(tmp_path: Path) -> None:
    hours = [datetime(2024, 5, 3, h) for h in range(12)]
    lake = Lake(tmp_path / "lake", schemas="tests.gdpr.gdpr_models",
                feature_views=[FeatureView("activity", table="f.activity", entity="user_id", timestamp="at")])
    write_deltalake(lake._storage.uri("f.activity"), pa.table({
        "user_id": pa.array([1, 1, 2, 3], pa.int64()), "at": pa.array([hours[1], hours[5], hours[2], hours[8]]),
        "clicks_7d": pa.array([10, 50, 20, 80], pa.int64())}))
    write_deltalake(lake._storage.uri("l.labels"), pa.table({
        "user_id": pa.array([1, 2, 3], pa.int64()), "labelled_at": pa.array([hours[6], hours[3], hours[9]]),
        "is_seeker": [True, False, True]}))
    with lake.start_run("job-seeker") as run:
        built = run.features.historical("l.labels", "activity:*", "labelled_at")
    with lake.start_run("other") as other:
        other.read("f.activity", filter="user_id = 3")
    assert built.num_rows == 3
    report = lake.gdpr.erase(user_id=1, reason="ticket 11")
    assert report.verified and report.unreproducible == ()
    again = lake.reproduce(run.run_id)
    assert again["historical#1"].column("user_id").to_pylist() == [2, 3]
    assert again["historical#1"].column("clicks_7d").to_pylist() == [20, 80]
    assert {e.input: e.rows_removed for e in again.erased} == {"l.labels": 1, "f.activity": 2, "historical#1": 1}
    assert lake.reproduce(other.run_id).erased == ()  # never read user 1: exactly as before


def test_artifacts_whose_names_differ_only_by_the_subject_keep_names_of_their_own(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    lower, upper = tmp_path / f"{ALICE}.csv", tmp_path / f"{ALICE.upper()}.csv"
    lower.write_text("user_id,score\n2,0.1\n")
    upper.write_text("user_id,score\n3,0.2\n")
    with lake.start_run("scores") as run:
        run.log_artifact(str(lower))
        run.log_artifact(str(upper))
    found = sorted(a.path.rsplit("/", 1)[-1] for a in lake.gdpr.find(email=ALICE).artifacts)
    report = lake.gdpr.erase(email=ALICE, reason="request #16")
    assert report.verified
    tag = f"[erased:{report.subject}]"
    assert found == [f"{tag}-2.csv", f"{tag}.csv"]
    folder = tmp_path / "lake" / "_lakekit" / "artifacts" / run.run_id
    assert sorted(p.read_text() for p in folder.iterdir()) == ["user_id,score\n2,0.1\n", "user_id,score\n3,0.2\n"]
    recorded = {a.path.rsplit("/", 1)[-1]: a.sha256 for a in lake.run(run.run_id).artifacts}
    assert sorted(recorded) == [f"{tag}-2.csv", f"{tag}.csv"]
    for name, sha in recorded.items():
        assert sha == "sha256:" + hashlib.sha256((folder / name).read_bytes()).hexdigest()
    assert lake.gdpr.erase(email=ALICE, reason="request #16").artifacts == ()  # nothing left to rename


def test_derived_tables_still_counting_the_subject_are_named_until_a_rerun(tmp_path: Path) -> None:
    lake, _ = _crm(tmp_path)
    lake.transform("mart.orders_seen", "SELECT COUNT(*) AS n FROM crm.blocklist", dialect="duckdb")  # never hers
    report = lake.gdpr.erase(email=ALICE, reason="request #16")
    assert report.verified and "mart.by_country" in report.downstream
    assert report.stale == ("mart.by_country",)  # an aggregate over her rows; mart.spend held her ids: erased
    assert lake.gdpr.verify(email=ALICE).stale == ("mart.by_country",)
    totals = {r["country"]: r["total"] for r in lake.read("mart.by_country").to_pylist()}
    lake.rerun("crm.orders")
    assert {r["country"]: r["total"] for r in lake.read("mart.by_country").to_pylist()} != totals
    after = lake.gdpr.verify(email=ALICE)
    assert after.verified and after.stale == ()
