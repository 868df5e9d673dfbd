"""Stored formats: a lake written by the previous lakekit (format 1, ``format1/written``, made by
``format1/generate.py`` with that lakekit's code) opens, is migrated, and reads as it was written;
a lake from a newer lakekit is refused without a change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

import lakekit as lk
from lakekit.index import formats, metadata
from lakekit.index.formats import FORMAT, PROPERTY
from lakekit.storage.delta import META_NAMESPACE

FIXTURE = Path(__file__).parent / "format1"
INDEXES = ("loads", "validations", "transforms", "lineage", "runs", "run_inputs", "run_outputs", "audit")


@pytest.fixture
def old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the format-1 lake (its schema package importable, as when it was written)."""
    root = tmp_path / "lake"
    shutil.copytree(FIXTURE / "written", root)
    monkeypatch.syspath_prepend(str(FIXTURE))
    return root


def _formats(root: Path) -> dict[str, int]:
    return {name: formats.table_format(DeltaTable(root / META_NAMESPACE / name)) for name in INDEXES}


def test_the_fixture_is_format_1(old: Path) -> None:
    assert _formats(old) == dict.fromkeys(INDEXES, 1)
    assert "format" not in json.loads((old / META_NAMESPACE / "requests" / "erase-1.json").read_text())


def test_opening_an_older_lake_migrates_it_and_reads_what_it_wrote(old: Path) -> None:
    before = {name: DeltaTable(old / META_NAMESPACE / name).to_pyarrow_table() for name in INDEXES}
    lake = lk.Lake(old, schemas="models")
    assert _formats(old) == dict.fromkeys(INDEXES, FORMAT)
    for name in INDEXES:  # the migration recorded the format and changed no row
        assert DeltaTable(old / META_NAMESPACE / name).to_pyarrow_table().equals(before[name])

    [entry] = lake.history("raw.people")
    assert isinstance(entry.provenance, lk.LoadProvenance) and entry.provenance.metadata == {"vendor": "acme"}
    assert entry.verdict == "invalid" and entry.failing_checks == 1
    assert [r["rows"] for r in lake.loads("raw.people").to_pylist()] == [2]
    assert lake.quarantine("raw.people").num_rows == 1
    [transform] = lake.history("clean.people")
    assert isinstance(transform.provenance, lk.TransformProvenance) and transform.provenance.inputs == {"raw.people": 0}
    assert {e.edge.source_column for e in lake.lineage.upstream("clean.people.country").edges} == {"country"}
    [run] = lake.runs().to_pylist()
    assert run["status"] == "finished" and json.loads(run["metrics"]) == {"auc": 0.5}
    assert lake.reproduce(run["run_id"])["clean.people"].num_rows == 2
    assert lake.run(run["run_id"]).outputs == {"scored.people": 0}
    repaired = lake.repair()  # nothing lost (its predictions table takes today's name grammar: renamed)
    assert (repaired.loads, repaired.transforms, repaired.run_outputs, repaired.unrecorded_verdicts) == (0, 0, 0, ())
    assert [r["status"] for r in lake.gdpr.audit().to_pylist()] == ["finished", "started"]


def test_a_migrated_lake_takes_new_writes(old: Path, tmp_path: Path) -> None:
    lake = lk.Lake(old, schemas="models")
    (tmp_path / "more.csv").write_text("user_id,email,country\n4,cy@example.com,es\n")
    loaded = lake.ingest("raw.people", str(tmp_path / "more.csv"))  # after commits tagging its PII columns:
    assert loaded.rows == 1 and loaded.version == lake.resolve_version("raw.people")  # the old lakekit did not
    assert lake.schema("raw.people").pii == {"user_id": "user_id", "email": "email"}
    assert lake.transform("clean.people", "SELECT user_id, upper(country) AS country FROM raw.people",
                          dialect="duckdb").version == lake.resolve_version("clean.people")
    assert [r["version"] for r in lake.loads("raw.people").to_pylist()] == [0, loaded.version]
    assert _formats(old) == dict.fromkeys(INDEXES, FORMAT)


def test_an_interrupted_erasure_of_an_older_lake_resumes_from_its_request_file(old: Path) -> None:
    stored = json.loads((old / META_NAMESPACE / "requests" / "erase-1.json").read_text())
    assert formats.read_request("erase-1.json", stored) == {"identifiers": {"email": ["ann@example.com"],
                                                                            "user_id": [1]}}
    report = lk.Lake(old, schemas="models").gdpr.erase(email="ann@example.com", reason="request #1")
    assert report.resumed and report.request_id == "erase-1" and report.verified


def test_new_index_tables_are_created_in_the_current_format(lake: lk.Lake, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("a\n1\n")
    lake.ingest("raw.a", str(tmp_path / "a.csv"))
    loads = DeltaTable(Path(lake._storage.root) / META_NAMESPACE / "loads")
    assert formats.table_format(loads) == FORMAT
    assert metadata.read(lake._storage, "loads").num_rows == 1


def test_a_lake_from_a_newer_lakekit_is_refused_and_left_alone(old: Path) -> None:
    runs = DeltaTable(old / META_NAMESPACE / "runs")
    runs.alter.set_table_properties({PROPERTY: str(FORMAT + 1)}, raise_if_not_exists=False)
    logs = sorted(p.name for p in old.rglob("_delta_log/*.json"))
    with pytest.raises(lk.IncompatibleFormat, match=rf"'_lakekit\.runs' is stored in lakekit format {FORMAT + 1}"
                                                   r".*upgrade lakekit"):
        lk.Lake(old)
    assert sorted(p.name for p in old.rglob("_delta_log/*.json")) == logs
    assert _formats(old)["loads"] == 1
    with pytest.raises(lk.IncompatibleFormat):
        formats.read_request("r.json", {"format": FORMAT + 1})


OPENER = r"""
import sys
from lakekit import Lake
Lake(sys.argv[1])
"""


@pytest.mark.slow
def test_processes_opening_an_older_lake_at_once_each_migrate_it_once(old: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(old)]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert _formats(old) == dict.fromkeys(INDEXES, FORMAT)
    for name in INDEXES:  # one format commit per table, whoever made it
        operations = [h["operation"] for h in DeltaTable(old / META_NAMESPACE / name).history()]
        assert operations.count("SET TBLPROPERTIES") == 1, name
    assert isinstance(metadata.read(lk.Lake(old)._storage, "runs"), pa.Table)


def test_journal_and_fingerprint_entries_carry_their_format(lake: lk.Lake, tmp_path: Path) -> None:
    """A run's journal entry says its format: an older one (no format: 2) is read, a newer one is
    refused; a fingerprint cache entry in another format is a miss, so the file is hashed again."""
    with lake.start_run("r") as run:
        run.log_metrics({"m": 1.0})
    folder = Path(lake._storage.root) / META_NAMESPACE / "journal" / "runs"
    entry = sorted(folder.glob("*.arrow"))[-1]
    with pa.OSFile(str(entry)) as f:
        rows = pa.ipc.open_file(f).read_all()
    assert rows.schema.metadata == {b"lakekit.format": str(FORMAT).encode()}

    def rewrite(metadata: dict[bytes, bytes] | None) -> None:
        table = rows.replace_schema_metadata(metadata)
        with pa.OSFile(str(entry), "wb") as f, pa.ipc.new_file(f, table.schema) as writer:
            writer.write_table(table)

    rewrite(None)
    assert lake.run(run.run_id).status == "finished"
    rewrite({b"lakekit.format": str(FORMAT + 1).encode()})
    with pytest.raises(lk.IncompatibleFormat, match=rf"{entry.name}' is stored in lakekit format {FORMAT + 1}"):
        lake.run(run.run_id)
    rewrite(None)

    (tmp_path / "a.csv").write_text("a\n1\n")
    lake.ingest("raw.a", str(tmp_path / "a.csv"))
    (cached,) = (Path(lake._storage.root) / META_NAMESPACE / "fingerprints").glob("*.json")
    assert json.loads(cached.read_text())["format"] == FORMAT
    (tmp_path / "a.csv").write_text("a\n2\n")  # same size, and its time set back: the cache would hit
    stat = (tmp_path / "a.csv").stat()
    os.utime(tmp_path / "a.csv", ns=(stat.st_atime_ns, json.loads(cached.read_text())["mtime_ns"]))
    cached.write_text(json.dumps({**json.loads(cached.read_text()), "format": FORMAT + 1}))
    assert lake.ingest("raw.a", str(tmp_path / "a.csv")).rows == 1  # hashed again: a new file
