"""``lakekit validate | quarantine``: table versions against their schemas, and the rows that failed."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lakekit.cli._common import JsonOpt, LakeOpt, first_rows, open_lake, out, print_json, print_records

TableArg = Annotated[str, typer.Argument(help="Table, namespace.name.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("validate")(validate)
    app.command("quarantine")(quarantine)


def validate(
    table: TableArg,
    version: Annotated[int | None, typer.Option("--version", help="Version number (default: latest).")] = None,
    lake: LakeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check a version of TABLE against its current schema and record the verdict (exit 1 when invalid)."""
    report = open_lake(lake).validate(table, version=version)
    if json_out:
        print_json(report.asdict())
        return
    verdict = "valid" if report.ok else "INVALID"
    out.print(f"{table} version {report.version}: {verdict} under {report.schema_name} "
              f"({report.rows_checked:,} rows checked)")
    if report.failures:
        print_records([{"column": f.column, "check": f.check, "rows": f.count, "first rows": list(f.first_rows)}
                       for f in report.failures], title="failures")
    if not report.ok:
        raise typer.Exit(1)


def quarantine(
    table: TableArg,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows to show.")] = 20,
    lake: LakeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Rows written to TABLE (by loads, transforms, runs) that failed its schema, with the checks they failed."""
    rows = open_lake(lake).quarantine(table)
    head = first_rows(rows, limit)
    if json_out:
        print_json(head)
        return
    for r in head:
        r["_errors"] = ", ".join(f"{e['column']}: {e['check']}" for e in json.loads(r.get("_errors") or "[]"))
    print_records(head, columns=rows.column_names, title=f"quarantine of {table}: {rows.num_rows:,} rows")
