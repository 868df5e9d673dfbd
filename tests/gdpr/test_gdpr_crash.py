"""kill -9 during ``lake.gdpr.erase``: every table stays readable, and erasing again resumes the
request and finishes it exactly once.

The lake is the one of ``tests/test_gdpr.py`` (``_crm``): alice's rows sit in ``crm.people``,
``crm.orders``, its quarantine table, ``mart.spend`` and a run's predictions. A child process
(``sys.executable``) erases alice and kills itself with SIGKILL at a deterministic point, by
wrapping lakekit functions inside the child (``Storage.write``, ``files.remove``,
``storage.log.purge_log``, ``gdpr._audit``); nothing in lakekit knows about these tests. The points:
after the erasure's first and second commits and after its ``crm.people`` commit; in the first
file removal before anything is deleted, between two deletions of ``crm.people``'s old files and
right after all of them; just before the ``finished`` audit row and before the ``started`` one;
inside a log purge, right after the old log entries are dropped.

After the kill, every table reads at its latest version and holds either all of its rows from
before or exactly those without alice's (each commit is whole). Erasing again in the test
process finishes: verified, resumed under the killed request's id (when its ``started`` row
was written), one ``started`` and one ``finished`` audit row, one erase commit per table,
alice gone from every table and file, everybody else's rows all there exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lakekit import Lake
from tests.gdpr.test_gdpr import ALICE, _crm

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = "tests.gdpr.gdpr_models"
REASON = "ticket GDPR-17"

CHILD = r"""
import json, os, signal, sys
import lakekit.gdpr.requests, lakekit.storage
from lakekit import Lake
from lakekit.index.provenance import PROVENANCE_KEY

spec = json.loads(sys.argv[1])
hook, nth, only = spec["hook"], spec.get("nth", 1), spec.get("table")
Storage = lakekit.storage.Storage
calls = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def counts(table):
    # the nth call of the hook (on ``only``, when given)
    global calls
    if only is not None and table != only:
        return False
    calls += 1
    return calls == nth

if hook == "commit":
    write = Storage.write
    def killing_write(self, table, data, **kwargs):
        version = write(self, table, data, **kwargs)
        provenance = json.loads(kwargs["commit"].metadata.get(PROVENANCE_KEY, "{}"))
        if provenance.get("operation") == "erase" and counts(table):
            die()
        return version
    Storage.write = killing_write
elif hook in ("remove", "remove-half", "removed"):
    # an erasure deletes files with lakekit.storage.files.remove(storage, folder, paths); "crm/people" is crm.people
    import lakekit.storage.files
    remove = lakekit.storage.files.remove
    def killing_remove(storage, folder, paths):
        if not counts(folder.replace("/", ".", 1)):
            return remove(storage, folder, paths)
        if hook == "remove":
            die()
        if hook == "remove-half":
            assert len(paths) >= 2, paths
            remove(storage, folder, paths[: len(paths) // 2])
            die()
        remove(storage, folder, paths)
        die()
    lakekit.storage.files.remove = killing_remove
elif hook == "purge":
    # right after storage.log.purge_log has dropped the old log entries
    import lakekit.storage.log
    purge = lakekit.storage.log.purge_log
    def killing_purge(storage, table):
        purge(storage, table)
        if counts(table):
            die()
    lakekit.storage.log.purge_log = killing_purge
elif hook == "audit":
    audit = lakekit.gdpr.requests._audit
    def killing_audit(storage, request_id, action, status, *args, **kwargs):
        if action == "erase" and status == spec["status"]:
            die()
        return audit(storage, request_id, action, status, *args, **kwargs)
    lakekit.gdpr.requests._audit = killing_audit
else:
    raise SystemExit(f"unknown hook {hook}")

lake = Lake(spec["root"], schemas=spec["schemas"])
lake.gdpr.erase(email=spec["email"], reason=spec["reason"])
print("erase finished without being killed", flush=True)
"""

POINTS: dict[str, dict[str, Any]] = {
    "after-first-commit": {"hook": "commit", "nth": 1},
    "after-second-commit": {"hook": "commit", "nth": 2},
    "after-people-commit": {"hook": "commit", "table": "crm.people"},
    "first-remove-before-deleting": {"hook": "remove", "nth": 1},
    "people-remove-halfway": {"hook": "remove-half", "table": "crm.people"},
    "after-people-removed": {"hook": "removed", "table": "crm.people"},
    "before-finished-row": {"hook": "audit", "status": "finished"},
    "before-started-row": {"hook": "audit", "status": "started"},
}
RESUMED = {name: spec.get("status") != "started" for name, spec in POINTS.items()}


@pytest.fixture(scope="module")
def base_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``_crm`` lake, built once; each test erases in a copy of it."""
    folder = tmp_path_factory.mktemp("gdpr-crash-base")
    _crm(folder)
    return folder / "lake"


def _tables(lake: Lake) -> list[str]:
    """Every table of the lake: data tables, and lakekit's quarantine and predictions tables."""
    own = sorted(f"_lakekit.{p.name}" for p in (Path(lake._storage.root) / "_lakekit").iterdir()
                 if p.name.startswith(("quarantine__", "predictions__")))
    assert own, "the lake has no quarantine or predictions table"
    return lake.tables() + own


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def _rows(lake: Lake, table: str) -> Counter[str]:
    """The table's latest version as a multiset of rows (reading it must work)."""
    return Counter(_key(r) for r in lake.read(table).to_pylist())


def _alices_ids(lake: Lake) -> set[int]:
    ids = {r["user_id"] for r in lake.read("crm.people").to_pylist() if r["email"] == ALICE}
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
                           capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_during_erase_then_erase_again_resumes_and_finishes(base_lake: Path, tmp_path: Path,
                                                                 point: str) -> None:
    """Killed at ``point``: tables stay readable, whole, and a second erase finishes the request once."""
    root = tmp_path / "lake"
    shutil.copytree(base_lake, root)
    lake = Lake(root, schemas=SCHEMAS)
    tables = _tables(lake)
    user_ids = _alices_ids(lake)
    before = {t: _rows(lake, t) for t in tables}
    expected = {t: _without(rows, user_ids) for t, rows in before.items()}
    holding = {t for t in tables if expected[t] != before[t]}
    assert holding >= {"crm.people", "crm.orders", "mart.spend"} and len(holding) == 5
    assert expected["crm.blocklist"] == before["crm.blocklist"]  # alice's IP is shared: not hers alone

    _kill_erase(root, POINTS[point])

    # after the kill: every table reads at its latest version, either untouched or without alice
    lake = Lake(root, schemas=SCHEMAS)
    for table in tables:
        assert _rows(lake, table) in (before[table], expected[table]), table
    trail = _erase_trail(lake)
    assert [r["status"] for r in trail] == (["started"] if RESUMED[point] else [])
    killed = trail[0]["request_id"] if trail else None

    report = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert report.verified and report.residue == ()
    assert report.resumed is RESUMED[point]
    if killed is not None:
        assert report.request_id == killed

    for table in tables:
        assert _rows(lake, table) == expected[table], table
    for table in holding:
        assert [c["request_id"] for c in _erase_commits(lake, table)] == [report.request_id], table
    for table in set(tables) - holding:
        assert _erase_commits(lake, table) == [], table

    trail = _erase_trail(lake)
    assert sorted(r["status"] for r in trail) == ["finished", "started"]
    assert {r["request_id"] for r in trail} == {report.request_id}
    finished = next(r for r in trail if r["status"] == "finished")
    assert json.loads(finished["details"])["verified"] is True

    assert not lake.gdpr.find(email=ALICE).found
    for user_id in sorted(user_ids):
        assert not lake.gdpr.find(user_id=user_id).found, user_id
    assert lake.gdpr.verify(email=ALICE).verified
    # erasing once more is a new request that finds nothing to do
    again = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert again.verified and not again.resumed and again.request_id != report.request_id
    assert all(t.rows_removed == 0 and t.files_removed == 0 for t in again.tables)
    for table in tables:
        assert _rows(lake, table) == expected[table], table


def test_kill_inside_the_log_purge_then_erase_again_keeps_the_table_history(tmp_path: Path) -> None:
    """A table created before its columns were tagged has e-mails in its log's statistics: the
    erasure purges its log. Killed right after the old log entries are dropped, erasing again
    finishes, and the table keeps its history for the versions written after the erasure."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "p0.csv").write_text(f"user_id,email,name,ip,country\n1,{ALICE},Alice,10.0.0.1,SE\n"
                                "2,bob@example.com,Bob,10.0.0.2,FI\n")
    (src / "p1.csv").write_text("user_id,email,name,ip,country\n3,carol@example.com,Carol,10.0.0.3,NO\n")
    root = tmp_path / "lake"
    Lake(root).ingest("crm.people", str(src / "p0.csv"))
    lake = Lake(root, schemas=SCHEMAS)
    log = Path(lake._storage.uri("crm.people")) / "_delta_log"
    assert any(ALICE.encode() in p.read_bytes() for p in log.iterdir() if p.is_file())

    _kill_erase(root, {"hook": "purge", "table": "crm.people"})

    lake = Lake(root, schemas=SCHEMAS)
    assert [r["user_id"] for r in lake.read("crm.people").to_pylist()] == [2]
    report = lake.gdpr.erase(email=ALICE, reason=REASON)
    assert report.verified and report.resumed
    assert not [p for p in log.iterdir() if p.is_file() and ALICE.encode() in p.read_bytes()]

    erased = lake.resolve_version("crm.people")
    lake.ingest("crm.people", str(src / "p1.csv"))
    lake._storage.checkpoint("crm.people")
    assert [r["user_id"] for r in lake.read("crm.people", version=erased).to_pylist()] == [2]


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


def test_two_erasures_of_one_subject_at_once_both_finish_and_lose_nobody_else(base_lake: Path,
                                                                               tmp_path: Path) -> None:
    """Two processes erase alice at the same moment: both finish verified, every other row stays."""
    root = tmp_path / "lake"
    shutil.copytree(base_lake, root)
    lake = Lake(root, schemas=SCHEMAS)
    tables = _tables(lake)
    expected = {t: _without(_rows(lake, t), _alices_ids(lake)) for t in tables}
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
        out, err = racer.communicate(timeout=180)
        assert racer.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["verified"] for r in results)
    lake = Lake(root, schemas=SCHEMAS)
    assert {t: _rows(lake, t) for t in tables} == expected
    assert lake.gdpr.verify(email=ALICE).verified
    finished = [r for r in _erase_trail(lake) if r["status"] == "finished"]
    assert {r["request_id"] for r in finished} == {r["request_id"] for r in results}
