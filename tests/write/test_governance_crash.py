"""kill -9 while a schema is recorded: the table stays readable at its last version, and running the
same call again finishes the job once (one schema commit, every tag in place, one data commit).

A child process records a replacing schema (``set_schema(..., replace=True)``), or makes the first
governed ingest of a table written without a schema, and kills itself at chosen points by wrapping
lakekit's functions: after the definition's row, after the first column-tag commit, after the
commit keeping tagged columns out of the statistics, after the schema commit (before its verdict).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from lakekit import Lake
from lakekit.write.governance import PII_KEY
from tests.write.governance_models import People, PeopleWithoutEmailTag

pytestmark = pytest.mark.crash
ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, signal, sys
import lakekit.write.indexes
from lakekit import Lake
from lakekit.storage.delta import Storage
from tests.write.governance_models import People, PeopleWithoutEmailTag

spec = json.loads(sys.argv[1])
point = spec["point"]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def after(owner, name, when=lambda *a, **k: True):
    original = getattr(owner, name)
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args, **kwargs):
            die()
        return result
    setattr(owner, name, wrapped)

if point == "row":
    after(lakekit.write.indexes, "append", lambda storage, name, *a, **k: name == "schemas")
elif point == "tag":
    after(Storage, "set_column_metadata")
elif point == "commit":  # the schema's own commit (it carries a provenance record)
    after(Storage, "set_properties", lambda self, table, properties, **k: k.get("commit") is not None)
elif point == "statistics":  # the first governed write keeps the tagged columns out of the statistics
    after(Storage, "set_properties")

lake = Lake(spec["root"])
if spec["call"] == "replace":
    lake.set_schema("crm.people", PeopleWithoutEmailTag, replace=True)
else:
    lake.ingest("crm.people", spec["source"], schema=People)
print("finished", flush=True)
"""


def _child(spec: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _csv(folder: Path, name: str, rows: list[str]) -> str:
    (folder / name).write_text("user_id,email,country\n" + "".join(f"{r}\n" for r in rows))
    return str(folder / name)


def _tags(root: Path) -> dict[str, str]:
    fields = DeltaTable(str(root / "crm" / "people")).schema().fields
    return {f.name: f.metadata[PII_KEY] for f in fields if f.metadata.get(PII_KEY)}


@pytest.mark.parametrize("point", ["row", "tag", "commit"])
def test_a_killed_replacement_finishes_when_run_again(tmp_path: Path, point: str) -> None:
    root = tmp_path / "lake"
    Lake(root).ingest("crm.people", _csv(tmp_path, "a.csv", ["1,ann@example.com,DE", "2,bo@example.com,FR"]),
                      schema=People)
    killed = _child({"root": str(root), "point": point, "call": "replace"})
    assert killed.returncode == -9 and "finished" not in killed.stdout, killed.stderr
    lake = Lake(root)
    assert lake.read("crm.people").num_rows == 2
    lake.set_schema("crm.people", PeopleWithoutEmailTag, replace=True)
    history = lake.history("crm.people")
    assert [h.provenance.operation for h in history].count("schema") == 1
    assert lake.schema("crm.people").pii == {"user_id": "user_id", "country": "country"}
    assert _tags(root) == {"user_id": "user_id", "country": "country"}
    assert lake.read("crm.people").num_rows == 2
    if point == "commit":  # the verdict on the schema's version was lost with the process: repair says so
        assert history[0].validation == "verdict not recorded"
        assert lake.repair().unrecorded_verdicts == (f"crm.people@{history[0].version}",)
        assert lake.validate("crm.people").ok and lake.history("crm.people")[0].validation == "valid"
    else:
        assert history[0].validation == "valid"


@pytest.mark.parametrize("point", ["row", "tag", "statistics"])
def test_a_killed_first_governed_ingest_loads_once_when_run_again(tmp_path: Path, point: str) -> None:
    root = tmp_path / "lake"
    Lake(root).ingest("crm.people", _csv(tmp_path, "a.csv", ["1,ann@example.com,DE"]))
    source = _csv(tmp_path, "b.csv", ["2,bo@example.com,FR", "3,cy@example.com,XX"])
    killed = _child({"root": str(root), "point": point, "call": "ingest", "source": source})
    assert killed.returncode == -9 and "finished" not in killed.stdout, killed.stderr
    lake = Lake(root)
    assert lake.read("crm.people").num_rows == 1
    result = lake.ingest("crm.people", source, schema=People)
    assert (result.rows, result.quarantined) == (1, 1)
    assert lake.ingest("crm.people", source, schema=People).skipped
    assert lake.read("crm.people").num_rows == 2 and _tags(root) == {"user_id": "user_id", "email": "email"}
    assert lake.schema("crm.people").hash == lake.history("crm.people")[0].provenance.schema_hash
