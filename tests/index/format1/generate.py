"""Writes ``written/``: a lake in lakekit's format 1, written by lakekit's own code of that format.

Run it with the code of commit f2476b6 (the last one writing format 1) first on the path::

    git worktree add --detach /tmp/lakekit-f2476b6 f2476b6
    cd tests/index/format1 && rm -rf written
    PYTHONPATH=/tmp/lakekit-f2476b6:. ../../../.venv/bin/python generate.py

The lake has every index table (loads, validations, transforms, lineage, runs, run_inputs,
run_outputs, audit), a quarantine, a run's predictions, and an erasure interrupted after it
recorded its start and its request file (as a crash would leave it).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pyarrow as pa

import lakekit
from lakekit import Lake
from lakekit.gdpr import requests, subjects

HERE = Path(__file__).parent
assert not hasattr(lakekit, "Result"), "run with the code of commit f2476b6 first on PYTHONPATH"

lake = Lake(HERE / "written", schemas="models")
source = Path(tempfile.mkdtemp()) / "people.csv"  # its path is recorded: none of this machine's folders
source.write_text("user_id,email,country\n1,ann@example.com,de\n2,bob@example.com,fr\n3,not-an-email,it\n")
load = lake.ingest("raw.people", str(source), metadata={"vendor": "acme"})
assert (load.rows, load.quarantined) == (2, 1)
lake.transform("clean.people", "SELECT user_id, upper(country) AS country FROM raw.people", dialect="duckdb")
with lake.start_run("fit", params={"k": 1}) as run:
    rows = run.read("clean.people")
    run.log_metrics({"auc": 0.5})
    run.write("scored.people", pa.table({"user_id": rows.column("user_id"), "score": [0.1, 0.9]}))
    run.log_predictions(pa.table({"user_id": rows.column("user_id"), "pred": [False, True]}), keys=["user_id"])
lake.gdpr.find(email="bob@example.com")

given = {"email": "ann@example.com"}
found = subjects.search(lake.storage, given, "models")
requests._audit(lake.storage, "erase-1", "erase", "started", found.report.subject, "request #1", {})
requests._remember(lake.storage, "erase-1", found.identifiers)
print(load.load_id, run.run_id, file=sys.stderr)
