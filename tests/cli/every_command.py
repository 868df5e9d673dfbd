"""A project with a bit of everything in its lake, and one invocation of every CLI command on it.

``INVOCATIONS`` lists each command by its path (``runs show``) with arguments that work on the
project :func:`build` makes, in an order where each finds what it needs (the erasure and the
vacuum last). ``{run}``, ``{other}`` and ``{cmd}`` stand for the ids of its runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import typer

import lakekit as lk
from lakekit.cli import app
from tests.cli.test_cli import run

CUSTOMERS = ("customer_id,email,country,signed_up\n"
             "1,ann@example.com,FR,2026-01-05T10:00:00\n"
             "2,not-an-email,DE,2026-01-06T09:30:00\n"
             "3,bo@example.com,FR,2026-02-01T08:00:00\n"
             "4,cy@example.com,DE,2026-02-03T08:00:00\n")
MORE = "customer_id,email,country,signed_up\n5,di@example.com,IT,2026-03-01T08:00:00\n"
COUNTRIES = "SELECT country, count(*) AS customers FROM raw.customers GROUP BY country\n"
FEATURES = """
[features.customer]
table = "raw.customers"
entity = "customer_id"
timestamp = "signed_up"
features = ["country"]

[features.everything]
table = "raw.customers"
entity = "customer_id"
timestamp = "signed_up"
"""
SUBJECT = "email=bo@example.com"

INVOCATIONS: dict[str, list[str]] = {
    "init": ["init", "--lake", "lake"],
    "ingest": ["ingest", "raw.customers", "more.csv"],
    "tables": ["tables"],
    "history": ["history", "raw.customers"],
    "show": ["show", "raw.customers", "--version", "0"],
    "loads": ["loads", "raw.customers"],
    "sql": ["sql", "SELECT country, count(*) AS n FROM raw.customers GROUP BY country"],
    "validate": ["validate", "raw.customers", "--version", "0"],
    "quarantine": ["quarantine", "raw.customers"],
    "schema": ["schema", "raw.customers"],
    "transform": ["transform", "marts.fr", "fr.sql", "--engine", "duckdb"],
    "run-transforms": ["run-transforms"],
    "ls": ["ls"],
    "rerun": ["rerun", "--downstream-of", "raw.customers", "--dry-run"],
    "lineage sql": ["lineage", "sql", "transforms/marts.countries.sql"],
    "lineage up": ["lineage", "up", "marts.countries.customers"],
    "lineage down": ["lineage", "down", "raw.customers.country"],
    "lineage events": ["lineage", "events", "--since", "2020-01-01"],
    "docs build": ["docs", "build", "--out", "site"],
    "run": ["run", "scripted", "--param", "k=v", "--", sys.executable, "-c", "pass"],
    "runs list": ["runs", "list"],
    "runs show": ["runs", "show", "{run}"],
    "runs reproduce": ["runs", "reproduce", "{run}"],
    "runs compare": ["runs", "compare", "{run}", "{other}"],
    "runs slices": ["runs", "slices", "{run}", "--by", "country", "--label", "label", "--prediction", "pred"],
    "runs stale": ["runs", "stale"],
    "runs rerun": ["runs", "rerun", "{cmd}"],
    "features list": ["features", "list"],
    "features show": ["features", "show", "customer"],
    "features latest": ["features", "latest", "customer:*", "--key", "customer_id=1"],
    "gdpr find": ["gdpr", "find", SUBJECT],
    "gdpr export": ["gdpr", "export", SUBJECT, "--to", "export.json"],
    "gdpr erase": ["gdpr", "erase", SUBJECT, "--reason", "request 1", "--yes"],
    "gdpr verify": ["gdpr", "verify", SUBJECT],
    "gdpr audit": ["gdpr", "audit"],
    "repair": ["repair"],
    "vacuum": ["vacuum", "--dry-run"],
}


SERVERS = {"docs serve"}
"""Commands that serve until stopped: no document to check (``tests/site`` runs the server; its bad
arguments are driven here like every command's)."""


def commands() -> list[str]:
    """Every command of the CLI by its path (``runs show``), walked from the app itself."""
    found: list[str] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs is None:
            found.append(" ".join(path))
        for name, sub in (subs or {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return sorted(found)


def build(folder: Path) -> dict[str, str]:
    """The project in ``folder`` (the current folder): a table with a quarantined row, a transform,
    three runs (two read the table, one some columns, one every column of the rows a filter keeps,
    and logged predictions; one ran a command) and two feature views (one naming its features).
    Returns the runs' ids by their placeholder names."""
    assert run("init")[0] == 0
    (folder / "customers.csv").write_text(CUSTOMERS)
    (folder / "more.csv").write_text(MORE)
    (folder / "fr.sql").write_text("SELECT * FROM raw.customers WHERE country = 'FR'\n")
    (folder / "transforms" / "marts.countries.sql").write_text(COUNTRIES)
    with (folder / "lakekit.toml").open("a") as f:
        f.write(FEATURES)
    assert run("ingest", "raw.customers", "customers.csv")[0] == 0
    assert run("run-transforms")[0] == 0
    lake = lk.Lake(folder / "lake")
    ids = {}
    for name, params in (("run", {"epochs": 3}), ("other", {"epochs": 5})):
        with lake.start_run("model", params=params) as r:
            rows = (r.read("raw.customers", columns=["customer_id", "country"]) if name == "run" else
                    r.read("raw.customers", filter="country <> 'IT'"))  # every column
            r.log_metrics({"auc": 0.9 if name == "run" else 0.8})
            n = rows.num_rows
            r.log_predictions(pa.table({"customer_id": rows.column("customer_id"),
                                        "label": [i % 2 == 0 for i in range(n)],
                                        "pred": [True] * n}), keys=["customer_id"])
        ids[name] = r.run_id
    code, out, _ = run("run", "scripted", "--json", "--", sys.executable, "-c", "pass")
    assert code == 0
    ids["cmd"] = json.loads(out)["run_id"]
    return ids


def argv(command: str, ids: dict[str, str]) -> list[str]:
    """The invocation of ``command`` with the runs' ids put in."""
    return [a.format(**ids) if a.startswith("{") else a for a in INVOCATIONS[command]]
