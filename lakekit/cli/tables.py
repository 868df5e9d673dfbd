"""``lakekit init | ingest | tables | history | show | loads``: the lake and its tables."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from lakekit.cli._common import (
    JsonOpt,
    LakeOpt,
    default_lake,
    first_rows,
    key_value,
    open_lake,
    out,
    print_json,
    print_records,
)

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


def init(lake: LakeOpt = None, json_out: JsonOpt = False) -> None:
    """Create the lake root (and lakekit.toml naming it, when there is none)."""
    root = lake or default_lake()
    open_lake(root)
    config = Path("lakekit.toml")
    if not config.exists():
        config.write_text(f'lake = "{root}"\n')
    if json_out:
        print_json({"lake": root})
    else:
        out.print(f"lake ready at {root}")


def ingest(
    table: Annotated[str, typer.Argument(help="Target table, namespace.name.")],
    sources: Annotated[list[str], typer.Argument(help="Files, globs or fsspec URLs.")],
    format: Annotated[str | None, typer.Option(help="csv | json | ndjson | parquet (default: from the name).")] = None,
    mode: ModeOpt = "append",
    key: Annotated[list[str] | None, typer.Option(help="Merge key column (repeatable).")] = None,
    partition_by: Annotated[list[str] | None, typer.Option(help="Partition column (repeatable).")] = None,
    meta: Annotated[list[str] | None, typer.Option(help="Provenance KEY=VALUE, e.g. vendor=acme (repeatable).")] = None,
    job: Annotated[str | None, typer.Option(help="Job name recorded in the provenance.")] = None,
    lake: LakeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Load source files into TABLE as one new version; files loaded before are skipped."""
    extra = dict(key_value(m, "--meta") for m in meta or [])
    target = open_lake(lake)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
                  TimeElapsedColumn(), transient=True, disable=json_out) as bar:
        task = bar.add_task(f"ingest {table}", total=None, rows=0)
        result = target.ingest(table, sources if len(sources) > 1 else sources[0], format=format, mode=mode,
                               keys=key, partition_by=partition_by, metadata=extra, job=job,
                               progress=lambda uri, rows: bar.update(task, description=uri, rows=rows))
    if json_out:
        print_json(result.asdict())
    elif result.skipped:
        out.print(f"{table}: all {len(result.skipped_files)} file(s) already loaded; nothing written "
                  f"(version {result.version})")
    else:
        skipped = f" ({len(result.skipped_files)} file(s) already loaded, skipped)" if result.skipped_files else ""
        out.print(f"{table}: version {result.version}, {result.rows:,} rows from {len(result.files)} file(s), "
                  f"{result.quarantined:,} quarantined, load {result.load_id}{skipped}")


def tables(lake: LakeOpt = None, json_out: JsonOpt = False) -> None:
    """List the lake's tables."""
    names = open_lake(lake).tables()
    if json_out:
        print_json(names)
    else:
        print_records([{"table": n} for n in names], title="tables")


def history(
    table: Annotated[str, typer.Argument(help="Table, namespace.name.")],
    lake: LakeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Versions of TABLE with their provenance."""
    entries = [e.asdict() for e in open_lake(lake).history(table)]
    if json_out:
        print_json(entries)
        return
    rows = [{
        "version": e["version"], "timestamp": e["timestamp"], "operation": e["operation"],
        "rows +": e["rows_added"], "rows -": e["rows_removed"], "validation": e["validation"],
        "load": e["provenance"].get("load_id"), "job": e["provenance"].get("job"),
        "files": len(e["provenance"].get("files") or []) or None,
        "metadata": e["provenance"].get("metadata") or None,
    } for e in entries]
    print_records(rows, title=f"history of {table}")


def show(
    table: Annotated[str, typer.Argument(help="Table, namespace.name.")],
    version: Annotated[int | None, typer.Option("--version", help="Version number.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO timestamp: the version current then.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows to show.")] = 20,
    lake: LakeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Rows of TABLE at a version (latest by default)."""
    data: pa.Table = open_lake(lake).read(table, version=version, as_of=as_of)
    head = first_rows(data, limit)
    if json_out:
        print_json(head)
    else:
        print_records([{k: _short(v) for k, v in r.items()} for r in head], columns=data.column_names,
                      title=f"{table}: {min(limit, data.num_rows)} of {data.num_rows:,} rows")


def _short(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def loads(
    table: Annotated[str, typer.Argument(help="Table, namespace.name.")],
    lake: LakeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Loads of TABLE: load id, version, files with fingerprints, provenance metadata."""
    records = open_lake(lake).loads(table).to_pylist()
    for r in records:
        r["files"] = json.loads(r["files"] or "[]")
        r["metadata"] = json.loads(r["metadata"] or "{}")
    if json_out:
        print_json(records)
        return
    print_records([{
        "load": r["load_id"], "version": r["version"], "rows": r["rows"], "quarantined": r["quarantined"],
        "job": r["job"], "files": "\n".join(f"{f['uri']} ({f['checksum'][:19]}…)" for f in r["files"]),
        "metadata": r["metadata"] or None,
    } for r in records], title=f"loads of {table}")


def repair(lake: LakeOpt = None, json_out: JsonOpt = False) -> None:
    """Write again the index rows a crash lost, from the tables' own commits; list lost verdicts."""
    report = open_lake(lake).repair()
    if json_out:
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
