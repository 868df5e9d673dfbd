"""``lakekit validate | quarantine | schema``: table versions against their schemas, the rows that
failed, and the schema the lake recorded for a table."""

from __future__ import annotations

from typing import Annotated

import typer

from lakekit.cli._common import as_json, first_rows, open_lake, out, print_json, print_records
from lakekit.errors import LakekitError
from lakekit.index.metadata import decoded

TableArg = Annotated[str, typer.Argument(help="Table, namespace.name.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("validate")(validate)
    app.command("quarantine")(quarantine)
    app.command("schema")(schema)


def validate(
    ctx: typer.Context,
    table: TableArg,
    version: Annotated[int | None, typer.Option("--version", help="Version number (default: latest).")] = None,
) -> None:
    """Check the rows a version of TABLE holds against its current schema and record the verdict as the
    version's latest (exit 1 when invalid). Rows its write quarantined are not part of the version."""
    report = open_lake(ctx).validate(table, version=version)
    if as_json(ctx):
        print_json(report.asdict())
        return
    verdict = "valid" if report.ok else "INVALID"
    out.print(f"{table} version {report.version}: {verdict} under {report.schema_name} "
              f"({report.rows_checked:,} rows of the version checked; rows its write quarantined are not part "
              "of it)")
    if report.failures:
        print_records([{"column": f.column, "check": f.check, "rows": f.count, "first rows": list(f.first_rows)}
                       for f in report.failures], title="failures")
    if not report.ok:
        raise typer.Exit(1)


def quarantine(
    ctx: typer.Context,
    table: TableArg,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows to show.")] = 20,
) -> None:
    """Rows written to TABLE (by loads, transforms, runs) that failed its schema, with the checks they failed."""
    rows = open_lake(ctx).quarantine(table)
    head = decoded(first_rows(rows, limit), {"_errors": "null"})
    if as_json(ctx):
        print_json(head)
        return
    for r in head:
        r["_errors"] = ", ".join(f"{e['column']}: {e['check']}" for e in r.get("_errors") or [])
    print_records(head, columns=rows.column_names, title=f"quarantine of {table}: {rows.num_rows:,} rows")


def schema(
    ctx: typer.Context,
    table: TableArg,
    version: Annotated[int | None, typer.Option("--version", help="Version number (default: latest).")] = None,
    record: Annotated[bool, typer.Option(
        "--record", help="Record the project's schema for TABLE now, as a commit of its own.")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="With --record: replace a recorded schema that differs.")] = False,
) -> None:
    """The schema the lake recorded for TABLE at a version: name, hash, columns, PII tags, checks."""
    lake = open_lake(ctx)
    if replace and not record:
        raise typer.BadParameter("--replace goes with --record", param_hint="--replace")
    found = lake.set_schema(table, replace=replace) if record else lake.schema(table, version)
    if found is None:
        raise LakekitError(f"no schema recorded for '{table}': it was written without one")
    if as_json(ctx):
        print_json({**found.asdict(), "pii": found.pii})
        return
    out.print(f"{table} version {found.version}: {found.name} ({found.hash})", highlight=False)
    print_records([{
        "column": name, "dtype": c["dtype"], "nullable": c["nullable"], "unique": c["unique"],
        "pii": found.pii.get(name), "checks": ", ".join(str(k["error"] or k["name"]) for k in c["checks"]),
    } for name, c in found.definition["columns"].items()])
