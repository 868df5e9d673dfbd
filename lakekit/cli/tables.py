"""``lakekit init | ingest | tables | history | show | loads``: the lake and its tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

import pyarrow as pa
import typer

from lakekit import project
from lakekit.cli._common import (
    CreateOpt,
    as_json,
    first_rows,
    key_value,
    open_lake,
    option,
    out,
    print_json,
    print_records,
    progress,
)
from lakekit.errors import UsageError
from lakekit.index.metadata import decoded
from lakekit.index.views import json_text
from lakekit.sources.formats import Format

ModeOpt = Annotated[str, typer.Option("--mode", help="append | overwrite | merge (merge needs --key).")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("tables")(tables)
    app.command("history")(history)
    app.command("show")(show)
    app.command("loads")(loads)
    app.command("repair")(repair)


def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Project folder (made when missing).")] = Path(),
) -> None:
    """Start a project in DIRECTORY, as dbt init does: lakekit.toml (its lake: --lake, else ./lake),
    a schemas/ folder with an example model, a transforms/ folder, a .gitignore for the lake, and
    the lake itself. Files already there are kept."""
    made, created = project.init(directory, option(ctx, "lake"))
    if as_json(ctx):
        print_json({"project": str(directory), "lake": made.root(), "created": [str(p) for p in created]})
        return
    for path in created:
        out.print(f"created {path}", highlight=False)
    out.print(f"lake ready at {made.root()}", highlight=False)


def ingest(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Target table, namespace.name.")],
    sources: Annotated[list[str], typer.Argument(help="Files, globs or fsspec URLs.")],
    format: Annotated[str | None, typer.Option(help="csv | json | ndjson | parquet (default: by suffix).")] = None,
    mode: ModeOpt = "append",
    key: Annotated[list[str] | None, typer.Option(help="Merge key column (repeatable).")] = None,
    partition_by: Annotated[list[str] | None, typer.Option(help="Partition column (repeatable).")] = None,
    meta: Annotated[list[str] | None, typer.Option(help="Provenance KEY=VALUE, e.g. vendor=acme (repeatable).")] = None,
    job: Annotated[str | None, typer.Option(help="Job name recorded in the provenance.")] = None,
    verify: Annotated[bool, typer.Option(help="Hash every file again, even unchanged local ones.")] = False,
    create: CreateOpt = False,
) -> None:
    """Load source files into TABLE as one new version; files loaded before are skipped."""
    extra = dict(key_value(m, "--meta") for m in meta or [])
    if key and mode != "merge":
        raise UsageError("--key only applies to --mode merge")
    target = open_lake(ctx, create=create)
    source = sources if len(sources) > 1 else sources[0]
    with progress(ctx, f"ingest {table}") as (bar, task):

        def advance(uri: str, rows: int) -> None:
            bar.update(task, description=f"{uri}: {rows:,} rows")

        # the values are the API's to check (a wrong one is a one-line error, not a usage error)
        kind = cast(Format | None, format)
        if mode == "merge":
            result = target.ingest(table, source, format=kind, mode="merge", keys=key or [],
                                   partition_by=partition_by, metadata=extra, job=job, verify=verify,
                                   progress=advance)
        else:
            result = target.ingest(table, source, format=kind, mode=cast(Literal["append", "overwrite"], mode),
                                   partition_by=partition_by, metadata=extra, job=job, verify=verify,
                                   progress=advance)
    if as_json(ctx):
        print_json(result.asdict())
    elif result.skipped:
        out.print(f"{table}: all {len(result.skipped_files)} file(s) already loaded; nothing written "
                  f"(version {result.version})")
    else:
        skipped = f" ({len(result.skipped_files)} file(s) already loaded, skipped)" if result.skipped_files else ""
        out.print(f"{table}: version {result.version}, {result.rows:,} rows from {len(result.files)} file(s), "
                  f"{result.quarantined:,} quarantined, load {result.load_id}{skipped}")


def tables(ctx: typer.Context) -> None:
    """List the lake's tables."""
    names = open_lake(ctx).tables()
    if as_json(ctx):
        print_json(names)
    else:
        print_records([{"table": n} for n in names], title="tables")


def history(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Table, namespace.name.")],
) -> None:
    """Versions of TABLE with their provenance."""
    entries = [e.asdict() for e in open_lake(ctx).history(table)]
    if as_json(ctx):
        print_json(entries)
        return
    rows = [{
        "version": e["version"], "timestamp": e["timestamp"], "operation": e["operation"],
        "rows +": e["rows_added"], "rows -": e["rows_removed"], "last verdict": e["validation"],
        "load": e["provenance"].get("load_id"), "job": e["provenance"].get("job"),
        "files": len(e["provenance"].get("files") or []) or None,
        "metadata": e["provenance"].get("metadata") or None,
    } for e in entries]
    print_records(rows, title=f"history of {table}")
    out.print("last verdict: the latest one recorded for the version; a write judges the rows it was given "
              "(rows failing a rejecting check went to quarantine, not into the version), `lakekit validate` "
              "the rows the version holds", highlight=False)


def show(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Table, namespace.name.")],
    version: Annotated[int | None, typer.Option("--version", help="Version number.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO timestamp: the version current then.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows to show.")] = 20,
) -> None:
    """Rows of TABLE at a version (latest by default)."""
    data: pa.Table = open_lake(ctx).read(table, version=version, as_of=as_of)
    head = decoded(first_rows(data, limit), dict.fromkeys(json_text(table), "null"))
    if as_json(ctx):
        print_json(head)
    else:
        print_records(head, columns=data.column_names,
                      title=f"{table}: {min(limit, data.num_rows)} of {data.num_rows:,} rows")


def loads(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Table, namespace.name.")],
) -> None:
    """Loads of TABLE: load id, version, files with fingerprints, provenance metadata."""
    records = decoded(open_lake(ctx).loads(table).to_pylist(), {"files": "[]", "metadata": "{}"})
    if as_json(ctx):
        print_json(records)
        return
    print_records([{
        "load": r["load_id"], "version": r["version"], "rows": r["rows"], "quarantined": r["quarantined"],
        "job": r["job"], "files": "\n".join(f"{f['uri']} ({f['checksum'][:19]}…)" for f in r["files"]),
        "metadata": r["metadata"] or None,
    } for r in records], title=f"loads of {table}")


def repair(ctx: typer.Context) -> None:
    """Write again the index rows a crash lost, from the tables' own commits; list lost verdicts."""
    report = open_lake(ctx).repair()
    if as_json(ctx):
        print_json(report.asdict())
        return
    for change in report.renamed:
        out.print(f"renamed {change}", markup=False, highlight=False)
    for left in report.misnamed:
        out.print(f"not renamed: {left}", markup=False, highlight=False)
    out.print(f"indexed again: {report.loads} load(s), {report.transforms} transform(s), "
              f"{report.run_outputs} version(s) written by runs")
    if report.unrecorded_verdicts:
        out.print(f"verdicts lost (run `lakekit validate`): {', '.join(report.unrecorded_verdicts)}")
