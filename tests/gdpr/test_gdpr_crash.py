"""kill -9 during ``lake.gdpr.erase``: every version of every table stays readable, and erasing again
resumes the request and finishes it exactly once.

The lake is the one of ``tests/gdpr/test_gdpr.py`` (``_crm``): alice's rows sit in several versions
of ``crm.people``, in ``crm.orders``, its quarantine table, ``mart.spend`` and a run's predictions; a
run read ``crm.people``. A child process (``sys.executable``) erases alice and kills itself with
SIGKILL at a deterministic point, by wrapping lakekit functions inside the child (the history
rewrite's step hook, ``Storage.mark``, the request file, the audit trail); nothing in lakekit knows
about these tests. The points: before the ``started`` row; after the runs' reads were checked;
while the copies of ``crm.people``'s files are written; when its journal moves to the ``widen``
phase; half-way through swapping its commit files; as it moves to narrowing; before its old files are
deleted; before and after the commit recording its erasure; before the ``finished`` row.

After the kill, every version of every table reads (lakekit and delta-rs) and holds everybody
else's rows exactly once and at most alice's old ones. Erasing again in the test process finishes:
verified, resumed under the killed request's id (when its ``started`` row was written), one
``started`` and one ``finished`` audit row, one commit recording the erasure per table, every
version equal to its old rows minus alice's, the run reproducible minus alice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from lakekit import Lake, NotReproducible
from tests.gdpr.test_gdpr import ALICE, _crm

pytestmark = pytest.mark.crash

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = "tests.gdpr.gdpr_models"
REASON = "ticket GDPR-17"

CHILD = r"""
import json, os, signal, sys
import lakekit.gdpr.artifacts, lakekit.gdpr.redaction, lakekit.gdpr.journal, lakekit.gdpr.trail
import lakekit.storage.history.rewrite
from lakekit import Lake
from lakekit.storage.delta import Storage

spec = json.loads(sys.argv[1])
hook, nth, only = spec["hook"], spec.get("nth", 1), spec.get("table")
calls, current = 0, [None]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def counts(table):
    global calls
    if only is not None and table != only:
        return False
    calls += 1
    return calls == nth

rewrite = lakekit.gdpr.redaction.rewrite
def tracking_rewrite(storage, table, *args, **kwargs):
    current[0] = table
    return rewrite(storage, table, *args, **kwargs)
lakekit.gdpr.redaction.rewrite = tracking_rewrite

if hook == "step":  # a step of a table's history rewrite, before it changes anything
    step = lakekit.storage.history.rewrite._step
    def killing_step(progress, name):
        if name.startswith(spec["prefix"]) and counts(current[0]):
            die()
        return step(progress, name)
    lakekit.storage.history.rewrite._step = killing_step
elif hook in ("mark", "marked"):  # the commit recording a table's erasure
    mark = Storage.mark
    def killing_mark(self, table, commit, **kwargs):
        if hook == "mark" and counts(table):
            die()
        version = mark(self, table, commit, **kwargs)
        if hook == "marked" and counts(table):
            die()
        return version
    Storage.mark = killing_mark
elif hook == "save":  # the request file, right after its nth save
    save = lakekit.gdpr.journal.save
    def killing_save(storage, request_id, state):
        save(storage, request_id, state)
        if counts(None):
            die()
    lakekit.gdpr.journal.save = killing_save
elif hook == "audit":
    record = lakekit.gdpr.trail.record
    def killing_record(storage, request_id, action, status, *args, **kwargs):
        if action == "erase" and status == spec["status"]:
            die()
        return record(storage, request_id, action, status, *args, **kwargs)
    lakekit.gdpr.trail.record = killing_record
elif hook == "artifacts":  # right after the run artifacts were redacted, renamed or deleted
    erase_artifacts = lakekit.gdpr.artifacts.erase
    def killing_erase(*args, **kwargs):
        erase_artifacts(*args, **kwargs)
        die()
    lakekit.gdpr.artifacts.erase = killing_erase
elif hook == "rename":  # an artifact written under its redacted name, its old name not removed yet
    from fsspec.implementations.local import LocalFileSystem
    rm = LocalFileSystem.rm
    def killing_rm(self, path, *args, **kwargs):
        if "_lakekit/artifacts/" in str(path) and spec["email"].lower() in str(path).lower():
            die()
        return rm(self, path, *args, **kwargs)
    LocalFileSystem.rm = killing_rm
else:
    raise SystemExit(f"unknown hook {hook}")

Lake(spec["root"], schemas=spec["schemas"]).gdpr.erase(email=spec["email"], reason=spec["reason"])
print("erase finished without being killed", flush=True)
"""

PEOPLE = "crm.people"
POINTS: dict[str, dict[str, Any]] = {
    "before-started-row": {"hook": "audit", "status": "started"},
    "after-reads-checked": {"hook": "save", "nth": 1},
    "writing-copies": {"hook": "step", "prefix": "write:", "nth": 2, "table": PEOPLE},
    "journal-to-widen": {"hook": "step", "prefix": "journal:widen", "table": PEOPLE},
    "half-swapped": {"hook": "step", "prefix": "swap:", "nth": 2, "table": PEOPLE},
    "journal-to-narrow": {"hook": "step", "prefix": "journal:narrow", "table": PEOPLE},
    "before-old-files-deleted": {"hook": "step", "prefix": "delete:", "table": PEOPLE},
    "before-people-recorded": {"hook": "mark", "table": PEOPLE},
    "after-people-recorded": {"hook": "marked", "table": PEOPLE},
    "before-finished-row": {"hook": "audit", "status": "finished"},
}
RESUMED = {name: spec.get("status") != "started" for name, spec in POINTS.items()}


@pytest.fixture(scope="module")
def base_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The ``_crm`` lake, built once; each test erases in a copy of it."""
    folder = tmp_path_factory.mktemp("gdpr-crash-base")
    _, run_id = _crm(folder)
    return folder / "lake", run_id


def _tables(lake: Lake) -> list[str]:
    """Every table of the lake: data tables, and lakekit's quarantine and predictions tables."""
    own = sorted(f"_lakekit.{p.name}" for p in (Path(lake._storage.root) / "_lakekit").iterdir()
                 if p.name.startswith(("quarantine__", "predictions__")))
    assert own, "the lake has no quarantine or predictions table"
    return lake.tables() + own


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def _versions(lake: Lake, table: str, upto: int | None = None) -> dict[int, Counter[str]]:
    """Every version of the table as a multiset of rows, read through lakekit (each read must work),
    and checked to count the same through delta-rs."""
    last = lake.resolve_version(table) if upto is None else upto
    found = {}
    for v in range(last + 1):
        rows = lake.read(table, version=v)
        assert DeltaTable(lake._storage.uri(table), version=v).to_pyarrow_table().num_rows == rows.num_rows
        found[v] = Counter(_key(r) for r in rows.drop_columns(["_load_id"]).to_pylist()) \
            if "_load_id" in rows.column_names else Counter(_key(r) for r in rows.to_pylist())
    return found


def _alices_ids(lake: Lake) -> set[int]:
    ids = {r["user_id"] for r in lake.read(PEOPLE).to_pylist() if r["email"] == ALICE}
    assert len(ids) == 2
    return ids


def _without(rows: Counter[str], user_ids: set[int]) -> Counter[str]:
    """The rows that are not alice's: neither her e-mail nor one of her user ids."""

    def alices(key: str) -> bool:
        row = json.loads(key)
        return row.get("email") == ALICE or row.get("user_id") in user_ids

    return Counter({k: n for k, n in rows.items() if not alices(k)})


def _erase_commits(lake: Lake, table: str) -> list[dict[str, Any]]:
    return [e.provenance.to_json() for e in lake.history(table) if e.provenance.operation == "erase"]


def _erase_trail(lake: Lake) -> list[dict[str, Any]]:
    return [r for r in lake.gdpr.audit(email=ALICE).to_pylist() if r["action"] == "erase"]


def _kill_erase(root: Path, spec: dict[str, Any]) -> None:
    args = {"root": str(root), "schemas": SCHEMAS, "email": ALICE, "reason": REASON, **spec}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180, check=False)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_during_erase_then_erase_again_resumes_and_finishes(base_lake: tuple[Path, str], tmp_path: Path,
                                                                 point: str) -> None:
    """Killed at ``point``: every version reads, nobody else's row is lost or doubled; a second erase
    finishes the request once and every version equals its old rows minus alice's."""
    root = tmp_path / "lake"
    shutil.copytree(base_lake[0], root)
    lake = Lake(root, schemas=SCHEMAS)
    tables = _tables(lake)
    user_ids = _alices_ids(lake)
    before = {t: _versions(lake, t) for t in tables}
    expected = {t: {v: _without(rows, user_ids) for v, rows in versions.items()} for t, versions in before.items()}
    holding = {t for t in tables if expected[t] != before[t]}
    assert holding >= {PEOPLE, "crm.orders", "mart.spend"} and len(holding) == 5
    assert expected["crm.blocklist"] == before["crm.blocklist"]  # alice's IP is shared: not hers alone

    _kill_erase(root, POINTS[point])

    lake = Lake(root, schemas=SCHEMAS)
    for table in tables:
        for version, rows in _versions(lake, table, upto=max(before[table])).items():
            assert _without(rows, user_ids) == expected[table][version], (table, version)
            assert not rows - before[table][version], (table, version)  # nothing new, nothing doubled
    trail = _erase_trail(lake)
    assert [r["status"] for r in trail] == (["started"] if RESUMED[point] else [])
    killed = trail[0]["request_id"] if trail else None

    report = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert report.verified and report.residue == ()
    assert report.resumed is RESUMED[point]
    if killed is not None:
        assert report.request_id == killed

    for table in tables:
        assert _versions(lake, table, upto=max(before[table])) == expected[table], table
    for table in holding:
        assert [c["request_id"] for c in _erase_commits(lake, table)] == [report.request_id], table
    assert {t.table: t.rows_removed for t in report.tables}[PEOPLE] == 2
    for table in set(tables) - holding:
        assert _erase_commits(lake, table) == [], table

    trail = _erase_trail(lake)
    assert sorted(r["status"] for r in trail) == ["finished", "started"]
    assert {r["request_id"] for r in trail} == {report.request_id}
    assert json.loads(next(r for r in trail if r["status"] == "finished")["details"])["verified"] is True
    assert not list((root / "_lakekit" / "requests").glob("*.json"))

    again = lake.reproduce(base_lake[1])
    assert sorted(again[PEOPLE].column("user_id").to_pylist()) == [2, 3, 4]
    assert lake.gdpr.verify(email=ALICE).verified
    for user_id in sorted(user_ids):
        assert not lake.gdpr.find(user_id=user_id).found, user_id
    # erasing once more is a new request that finds nothing to do
    once_more = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert once_more.verified and not once_more.resumed and once_more.request_id != report.request_id
    assert once_more.tables == ()


def test_kill_right_after_the_artifacts_changed_then_erase_again_records_them(base_lake: tuple[Path, str],
                                                                             tmp_path: Path) -> None:
    """Killed once a run's artifacts were changed (a binary one holding alice deleted, one named by
    her moved to its redacted name) and before the request file said so: erasing again still marks
    the run unreproducible and records each artifact as it is now."""
    root = tmp_path / "lake"
    shutil.copytree(base_lake[0], root)
    lake = Lake(root, schemas=SCHEMAS)
    (tmp_path / "model.bin").write_bytes(b"\x00weights\x00" + ALICE.encode() + b"\xff")
    (tmp_path / f"{ALICE}.csv").write_text("score\n0.9\n")
    with lake.start_run("artifacts") as run:
        run.read(PEOPLE)
        run.log_artifact(tmp_path / "model.bin")
        run.log_artifact(tmp_path / f"{ALICE}.csv")

    _kill_erase(root, {"hook": "artifacts"})

    lake = Lake(root, schemas=SCHEMAS)
    assert not [p for p in root.rglob("*") if ALICE in p.name]  # both changed before the kill
    report = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert report.verified and report.resumed and report.unreproducible == (run.run_id,)
    with pytest.raises(NotReproducible, match="artifact"):
        lake.reproduce(run.run_id)
    kept = {a.path.rsplit("/", 1)[-1]: a for a in lake.run(run.run_id).artifacts}
    assert kept["model.bin"].sha256 == "erased"
    renamed = kept[f"[erased:{report.subject}].csv"]
    assert renamed.sha256 == "sha256:" + hashlib.sha256((root / renamed.path).read_bytes()).hexdigest()
    assert lake.gdpr.verify(email=ALICE).verified


def test_kill_between_an_artifacts_new_name_and_the_removal_of_its_old_one(base_lake: tuple[Path, str],
                                                                          tmp_path: Path) -> None:
    """Killed once an artifact named by alice was written under its redacted name, its old name still
    there (two such artifacts, whose names differ only by case, so one is told apart by ``-2``): every
    version still reads; erasing again takes the copy written before the kill as the first one's (no
    third file), moves the second under its own name, and records both."""
    root = tmp_path / "lake"
    shutil.copytree(base_lake[0], root)
    lake = Lake(root, schemas=SCHEMAS)
    (tmp_path / f"{ALICE}.csv").write_text("score\n0.1\n")
    (tmp_path / f"{ALICE.upper()}.csv").write_text("score\n0.2\n")
    with lake.start_run("artifacts") as run:
        run.log_artifact(tmp_path / f"{ALICE}.csv")
        run.log_artifact(tmp_path / f"{ALICE.upper()}.csv")
    folder = root / "_lakekit" / "artifacts" / run.run_id

    _kill_erase(root, {"hook": "rename"})

    lake = Lake(root, schemas=SCHEMAS)
    assert len(list(folder.iterdir())) == 3  # both old names, and the first one's copy
    assert _versions(lake, PEOPLE)
    report = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert report.verified and report.resumed
    tag = f"[erased:{report.subject}]"
    assert sorted(p.name for p in folder.iterdir()) == [f"{tag}-2.csv", f"{tag}.csv"]
    assert sorted(p.read_text() for p in folder.iterdir()) == ["score\n0.1\n", "score\n0.2\n"]
    recorded = {a.path.rsplit("/", 1)[-1]: a.sha256 for a in lake.run(run.run_id).artifacts}
    assert recorded == {p.name: "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert lake.gdpr.verify(email=ALICE).verified


RACER = r"""
import json, sys, time
from pathlib import Path
from lakekit import Lake

spec = json.loads(sys.argv[1])
Path(spec["ready"]).touch()
while not Path(spec["go"]).exists():
    time.sleep(0.005)
report = Lake(spec["root"], schemas=spec["schemas"]).gdpr.erase(email=spec["email"], reason=spec["reason"])
print(json.dumps({"verified": report.verified, "request_id": report.request_id}))
"""


def test_two_erasures_of_one_subject_at_once_both_finish_and_lose_nobody_else(base_lake: tuple[Path, str],
                                                                               tmp_path: Path) -> None:
    """Two processes erase alice at the same moment: one waits for the other, both finish verified,
    every version keeps everybody else's rows."""
    root = tmp_path / "lake"
    shutil.copytree(base_lake[0], root)
    lake = Lake(root, schemas=SCHEMAS)
    tables = _tables(lake)
    ids = _alices_ids(lake)
    expected = {t: {v: _without(rows, ids) for v, rows in _versions(lake, t).items()} for t in tables}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    go = tmp_path / "go"
    racers = []
    for n in range(2):
        spec = {"root": str(root), "schemas": SCHEMAS, "email": ALICE, "reason": REASON,
                "ready": str(tmp_path / f"ready{n}"), "go": str(go)}
        racers.append(subprocess.Popen([sys.executable, "-c", RACER, json.dumps(spec)], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
        assert all(r.poll() is None for r in racers), [r.communicate() for r in racers]
    go.touch()
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        assert racer.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["verified"] for r in results)
    lake = Lake(root, schemas=SCHEMAS)
    assert {t: _versions(lake, t, upto=max(expected[t])) for t in tables} == expected
    assert lake.gdpr.verify(email=ALICE).verified
    finished = [r for r in _erase_trail(lake) if r["status"] == "finished"]
    assert {r["request_id"] for r in finished} == {r["request_id"] for r in results}


APPENDER = r"""
import json, sys, time
from pathlib import Path
from lakekit import Lake

spec = json.loads(sys.argv[1])
lake = Lake(spec["root"], schemas=spec["schemas"])
Path(spec["ready"]).touch()
while not Path(spec["go"]).exists():  # the history rewrite has started
    time.sleep(0.005)
for n in range(spec["loads"]):
    path = Path(spec["folder"]) / f"more-{n}.csv"
    path.write_text(f"user_id,email,name,ip,country\n{1000 + n},user{n}@example.com,U{n},10.9.9.{n},SE\n")
    lake.ingest("crm.people", str(path))
    time.sleep(0.02)
print("appended", flush=True)
"""


def test_a_writer_appending_during_an_erasure_loses_nothing(base_lake: tuple[Path, str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process ingests into ``crm.people`` from the moment the history rewrites start (slowed
    down at every step): every load lands once, every version reads, the old ones minus alice."""
    import lakekit.storage.history.rewrite as rewrite

    root = tmp_path / "lake"
    shutil.copytree(base_lake[0], root)
    lake = Lake(root, schemas=SCHEMAS)
    ids = _alices_ids(lake)
    before = _versions(lake, PEOPLE)
    loads = 15
    spec = {"root": str(root), "schemas": SCHEMAS, "folder": str(tmp_path), "loads": loads,
            "ready": str(tmp_path / "ready"), "go": str(tmp_path / "go")}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    step, steps = rewrite._step, []

    def slow_step(progress: Any, name: str) -> None:
        steps.append(time.time())
        (tmp_path / "go").touch()
        time.sleep(0.1)
        step(progress, name)

    monkeypatch.setattr(rewrite, "_step", slow_step)
    appender = subprocess.Popen([sys.executable, "-c", APPENDER, json.dumps(spec)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not (tmp_path / "ready").exists():
        assert appender.poll() is None, appender.communicate()
    report = lake.gdpr.erase(email=ALICE, reason=REASON)
    _, err = appender.communicate(timeout=300)
    assert appender.returncode == 0, err
    assert report.verified
    during = [e for e in lake.history(PEOPLE) if min(steps) < e.timestamp.timestamp() < max(steps)]
    assert any(e.operation == "WRITE" and e.provenance.operation == "ingest" for e in during), "no overlap"
    lake = Lake(root, schemas=SCHEMAS)
    latest = _versions(lake, PEOPLE)
    added = {json.loads(k)["user_id"] for k in latest[max(latest)]} - {json.loads(k)["user_id"]
                                                                      for k in before[max(before)]}
    assert added == set(range(1000, 1000 + loads))  # every load, once
    assert sum(1 for k in latest[max(latest)] if json.loads(k)["user_id"] >= 1000) == loads
    for version, rows in before.items():
        assert latest[version] == _without(rows, ids), version
    assert lake.gdpr.verify(email=ALICE).verified
