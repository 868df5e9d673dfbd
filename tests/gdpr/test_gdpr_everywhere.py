"""A subject planted in every kind of place a lake keeps, found everywhere, exported whole, erased from
every version with the history kept, and proved gone byte by byte.

The shop (schemas in ``tests/gdpr/gdpr_models.py``): alice (e-mail in mixed case, customer id
4207781, two devices) and bob (same campus IP), over tables that went through a merge (string_view
files), a hand-run DELETE whose predicate names alice's id, a checkpoint; free text (an event log:
mentions replaced, a notes table whose schema drops the row, JSON payloads); derived tables through
``lower``, ``trim``, concatenation, a cast and JSON extraction; a transform whose SQL names her; a
load whose metadata names her; rows staged for a quarantine; a file no version names; a run that
filters by her (SQL and a pyarrow expression), writes a table keyed by customer id, predicts, logs
text, CSV and gzip JSON-lines artifacts (one named by her e-mail) and her id as a parameter; a run
with a binary artifact holding her e-mail; a run that never read her.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from lakekit import Lake, NotReproducible
from lakekit.write import quarantine

SCHEMAS = "tests.gdpr.gdpr_models"
ALICE = "Alice.Liddell@Example.org"
ASKED = "alice.liddell@example.org"  # the request spells it in lower case
ALICE_ID = 4207781
BOB_ID = 5551234
CAMPUS_IP = "10.20.30.40"
SPELLINGS = (re.compile(re.escape(ASKED).encode(), re.IGNORECASE), re.compile(rb"(?<![0-9])4207781(?![0-9])"),
             re.compile(rb"dev-alice-0[12]"))


def _csv(folder: Path, name: str, header: str, *rows: str) -> str:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


def _shop(tmp_path: Path) -> tuple[Lake, dict[str, str]]:
    lake = Lake(tmp_path / "lake", schemas=SCHEMAS)
    src = tmp_path / "src"
    src.mkdir()
    head = "customer_id,email,ip,country"
    lake.ingest("shop.customers", _csv(src, "c0.csv", head, f"{BOB_ID},bob@example.org,{CAMPUS_IP},SE",
                                       "5551235,carol@example.org,10.0.0.3,FI"))
    lake.ingest("shop.customers", _csv(src, "c1.csv", head, f"{ALICE_ID},{ALICE},{CAMPUS_IP},SE"),
                metadata={"requested_by": ALICE})
    lake.ingest("shop.customers", _csv(src, "c2.csv", head, f"{BOB_ID},bob@example.org,{CAMPUS_IP},NO",
                                       "5551236,dave@example.org,10.0.0.4,NO"), mode="merge", keys=["customer_id"])
    DeltaTable(lake._storage.uri("shop.customers")).create_checkpoint()
    lake.ingest("shop.customers", _csv(src, "c3.csv", head, "5551237,erin@example.org,10.0.0.5,DK"))
    lake.ingest("shop.orders", _csv(src, "o0.csv", "order_id,customer_id,amount", f"1,{ALICE_ID},50.0",
                                    f"2,{ALICE_ID},150.0", f"3,{BOB_ID},20.0", "4,5551235,5.0"))
    DeltaTable(lake._storage.uri("shop.orders")).delete(f"customer_id = {ALICE_ID} AND amount > 100")
    lake.ingest("shop.devices", _csv(src, "d0.csv", "device_id,customer_id", f"dev-alice-01,{ALICE_ID}",
                                     f"dev-alice-02,{ALICE_ID}", f"dev-bob-01,{BOB_ID}"))
    lake.ingest("shop.sessions", _csv(src, "s0.csv", "session_id,device_id,minutes", "1,dev-alice-02,30",
                                      "2,dev-bob-01,10", "3,dev-bob-01,12"))
    lake.ingest("shop.events", _csv(src, "e0.csv", "event_id,message", f"1,login failed for {ALICE.upper()}",
                                    f"2,refund for customer {ALICE_ID} approved", "3,bob logged in",
                                    "4,ticket 14207781 closed"))
    lake.ingest("shop.notes", _csv(src, "n0.csv", "note_id,note", f"1,call {ALICE} back", "2,all quiet"))
    (src / "r0.ndjson").write_text(json.dumps({"raw_id": 1, "payload": json.dumps({"email": ALICE})}) + "\n"
                                   + json.dumps({"raw_id": 2, "payload": json.dumps({"email": "bob@example.org"})})
                                   + "\n")
    lake.ingest("shop.raw_events", str(src / "r0.ndjson"))
    lake.transform("mart.contacts", "SELECT customer_id, lower(email) AS email_lc, trim(email) AS email_t, "
                   "'Dear ' || email AS greeting, CAST(customer_id AS VARCHAR) AS cid, length(email) AS n "
                   "FROM shop.customers", dialect="duckdb")
    lake.transform("mart.extracted", "SELECT raw_id, json_extract_string(payload, '$.email') AS email "
                   "FROM shop.raw_events", dialect="duckdb")
    lake.transform("mart.spend", "SELECT customer_id, SUM(amount) AS spend FROM shop.orders GROUP BY customer_id",
                   dialect="duckdb")
    lake.transform("mart.alice_orders", f"SELECT order_id FROM shop.orders WHERE customer_id = {ALICE_ID}",
                   dialect="duckdb")
    lake.transform("mart.by_country", "SELECT country, count(*) AS n FROM shop.customers GROUP BY country",
                   dialect="duckdb")
    quarantine.stage(lake._storage, "shop.customers",
                     [pa.table({"customer_id": [ALICE_ID], "email": [ALICE], "ip": [CAMPUS_IP], "country": ["??"]})],
                     load_id="killed-load")
    pq.write_table(pa.table({"customer_id": [ALICE_ID], "email": [ALICE]}),
                   tmp_path / "lake" / "shop" / "customers" / "part-00000-killed-write-c000.snappy.parquet")

    runs = {}
    with lake.start_run("churn", params={"customer_id": ALICE_ID, "epochs": 3}) as run:
        people = run.read("shop.customers", filter=f"lower(email) <> '{ASKED}'")
        run.read("shop.orders", filter=pc.field("customer_id") == ALICE_ID)
        everyone = run.read("shop.customers")
        run.write("scored.customers", pa.table({"customer_id": everyone.column("customer_id"),
                                                "score": [0.5] * everyone.num_rows}))
        run.log_predictions(pa.table({"customer_id": everyone.column("customer_id"),
                                      "churn": [0.1] * everyone.num_rows}), keys=["customer_id"])
        (tmp_path / "report.txt").write_text(f"{people.num_rows} customers\nwatch {ALICE}\nall good\n")
        (tmp_path / "scores.csv").write_text(f"customer_id,score\n{ALICE_ID},0.9\n{BOB_ID},0.2\n")
        (tmp_path / "events.jsonl.gz").write_bytes(gzip.compress(
            (json.dumps({"customer_id": ALICE_ID, "what": "churned"}) + "\n"
             + json.dumps({"customer_id": BOB_ID, "what": f"asked about {ALICE}"}) + "\n"
             + json.dumps({"customer_id": BOB_ID, "what": "stayed"}) + "\n").encode()))
        (tmp_path / f"{ALICE}.csv").write_text("score\n0.9\n")  # her address only in the name
        for name in ("report.txt", "scores.csv", "events.jsonl.gz", f"{ALICE}.csv"):
            run.log_artifact(tmp_path / name)
    runs["churn"] = run.run_id
    with lake.start_run("debug") as run:
        run.read("shop.customers")
        (tmp_path / "model.bin").write_bytes(b"\x00\x01weights\x00" + ALICE.encode() + b"\xff\xfe")
        run.log_artifact(tmp_path / "model.bin")
    runs["debug"] = run.run_id
    with lake.start_run("countries") as run:
        run.read("mart.by_country")
    runs["countries"] = run.run_id
    return lake, runs


def _everything(root: Path) -> dict[str, bytes]:
    """Every file under the root, decompressed when gzip."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            out[str(p.relative_to(root))] = gzip.decompress(data) if p.suffix == ".gz" else data
    return out


def _spelled(files: dict[str, bytes]) -> list[str]:
    return [name for name, data in files.items() if any(s.search(data) or s.search(name.encode()) for s in SPELLINGS)]


def _hers(row: dict[str, Any]) -> bool:
    text = json.dumps(row, default=str)
    return any(s.search(text.encode()) for s in SPELLINGS)


def _snapshot(lake: Lake) -> dict[str, dict[int, list[str]]]:
    """Every version of every data table as sorted JSON rows."""
    out = {}
    for table in lake.tables():
        out[table] = {v: sorted(json.dumps(r, sort_keys=True, default=str) for r in
                                lake.read(table, version=v).to_pylist())
                      for v in range(lake.resolve_version(table) + 1)}
    return out


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, dict[str, str], Path]:
    folder = tmp_path_factory.mktemp("shop")
    lake, runs = _shop(folder)
    return lake, runs, folder


def test_a_subject_planted_everywhere_is_found_exported_erased_and_proved_gone(
        shop: tuple[Lake, dict[str, str], Path]) -> None:
    lake, runs, folder = shop
    root = folder / "lake"
    assert len(_spelled(_everything(root))) >= 20  # planted indeed (Parquet pages are compressed: verify decodes them)

    report = lake.gdpr.find(email=ASKED)
    hits = {h.key: h for h in report.tables}
    assert report.identifiers == {"customer_id": 1, "device_id": 2, "email": 1}  # followed: non-unique devices
    assert hits["shop.customers"].versions == (1, 2, 3) and hits["shop.customers"].orphans
    assert hits["shop.orders"].rows == 1 and hits["shop.sessions"].rows == 1  # via dev-alice-02
    assert (hits["shop.events"].rows, hits["shop.events"].mentions) == (0, 2)
    assert hits["shop.notes"].rows == 1 and hits["shop.customers (staged)"].rows == 1
    assert {"mart.contacts", "mart.extracted", "mart.spend", "scored.customers"} <= hits.keys()
    assert {"_lakekit.transforms", "_lakekit.loads"} <= hits.keys()
    assert {k.split(" ")[0] for k in hits} >= {"_lakekit.run_inputs", "_lakekit.runs"}  # the index or its journal
    assert any(k.startswith("_lakekit.predictions__") for k in hits)
    assert "shop.sessions" in hits and "mart.by_country" in report.downstream
    assert {a.path.rsplit("/", 1)[-1]: (a.rows, a.mentions, a.renamed) for a in report.artifacts} == {
        "report.txt": (0, 1, False), "scores.csv": (1, 0, False), "events.jsonl.gz": (1, 1, False),
        "model.bin": (0, 1, False), f"[erased:{report.subject}].csv": (0, 0, True)}
    assert {runs["churn"], runs["debug"]} <= set(report.runs) and runs["countries"] not in report.runs
    assert not _hers(report.asdict())

    exported = lake.gdpr.export(email=ASKED, to=folder / "alice.json")
    assert (folder / "alice.json").exists()
    customers = exported["tables"]["shop.customers"]
    assert sorted(customers["versions"]) == ["1", "2", "3"]
    assert all([r["customer_id"] for r in rows] == [ALICE_ID] for rows in customers["versions"].values())
    assert [r["customer_id"] for r in customers["unversioned"]] == [ALICE_ID]  # the killed write's file
    assert {m["text"] for m in exported["tables"]["shop.events"]["mentions"]} == {
        f"login failed for {ALICE.upper()}", f"refund for customer {ALICE_ID} approved"}
    assert [r["email_lc"] for r in exported["tables"]["mart.contacts"]["versions"]["0"]] == [ALICE.lower()]
    assert {a["path"].rsplit("/", 1)[-1]: len(a["lines"]) for a in exported["artifacts"]}["scores.csv"] == 2
    assert f"{ALICE}.csv" in {a["path"].rsplit("/", 1)[-1] for a in exported["artifacts"]}  # her own data
    assert {r["run_id"]: r["outputs"] for r in exported["runs"]}[runs["churn"]] == {"scored.customers": 0}
    assert [r["customer_id"] for r in exported["tables"]["scored.customers"]["versions"]["0"]] == [ALICE_ID]
    (predicted,) = [t for k, t in exported["tables"].items() if k.startswith("_lakekit.predictions__")]
    assert [r["customer_id"] for rows in predicted["versions"].values() for r in rows] == [ALICE_ID]
    assert [r["spend"] for r in exported["tables"]["mart.spend"]["versions"]["0"]] == [50.0]  # derived rows
    assert {"mart.by_country", "mart.alice_orders"} <= set(exported["derived_tables"])
    assert {r["run_id"] for r in exported["runs"]} >= {runs["churn"], runs["debug"]}

    before = _snapshot(lake)
    erased = lake.gdpr.erase(email=ASKED, reason="ticket 7")
    assert erased.verified, erased.residue
    assert erased.unreproducible == (runs["debug"],)
    assert "shop.orders" in {t.table for t in erased.tables}
    assert "mart.alice_orders" in erased.logs  # only its transform's SQL named her: its log rewritten alone
    assert len(erased.artifacts) == 5 and not _hers(erased.asdict())

    assert _spelled(_everything(root)) == []  # not one byte of hers left, decoded or not
    proof = lake.gdpr.verify(email=ASKED)
    assert proof.verified and proof.files > 100
    assert lake.gdpr.verify(customer_id=ALICE_ID).verified

    after = _snapshot(lake)
    for table, versions in before.items():
        for version, rows in versions.items():
            theirs = [r for r in rows if not _hers(json.loads(r))]
            now = after[table][version]
            assert [r for r in now if r in theirs] == theirs, (table, version)  # everybody else's, unchanged
            assert not [r for r in now if _hers(json.loads(r))], (table, version)
    events = lake.read("shop.events").sort_by("event_id").column("message").to_pylist()
    assert events == [f"login failed for [erased:{erased.subject}]", f"refund for customer [erased:{erased.subject}] "
                      "approved", "bob logged in", "ticket 14207781 closed"]
    assert lake.read("shop.notes").column("note_id").to_pylist() == [2]
    assert sorted(lake.read("shop.customers").column("customer_id").to_pylist()) == [BOB_ID, 5551235, 5551236,
                                                                                     5551237]
    uri = lake._storage.uri("shop.customers")
    for version in range(4):
        assert sorted(pl.read_delta(uri, version=version)["customer_id"].to_list()) == \
            sorted(DeltaTable(uri, version=version).to_pyarrow_table().column("customer_id").to_pylist())
    assert lake.read("shop.customers", version=0).num_rows == 2  # never held her: as before

    filters = [r.filter or {} for r in lake.run(runs["churn"]).reads]
    assert filters[0] == {"sql": f"lower(email) <> '[erased:{erased.subject}]'"}
    expression = pc.Expression.from_substrait(base64.b64decode(filters[1]["substrait"]))
    assert str(expression) == "(FieldPath(1) == 0)" and str(ALICE_ID) not in filters[1]["text"]
    churn = lake.reproduce(runs["churn"])
    assert {e.input: e.rows_removed for e in churn.erased} == {"shop.orders": 1, "shop.customers#2": 1}
    assert churn["shop.orders"].num_rows == 0
    with pytest.raises(NotReproducible, match="artifact"):
        lake.reproduce(runs["debug"])
    assert lake.reproduce(runs["countries"]).erased == ()
    assert lake.run(runs["churn"]).params["customer_id"] == f"[erased:{erased.subject}]"
    kept = {a.path.rsplit("/", 1)[-1]: a for a in lake.run(runs["churn"]).artifacts}
    assert sorted(kept) == sorted(["report.txt", "scores.csv", "events.jsonl.gz", f"[erased:{erased.subject}].csv"])
    for artifact in kept.values():  # each record names the file as it is now, with its new digest
        assert artifact.sha256 == "sha256:" + hashlib.sha256((root / artifact.path).read_bytes()).hexdigest()
    assert (root / kept[f"[erased:{erased.subject}].csv"].path).read_text() == "score\n0.9\n"
