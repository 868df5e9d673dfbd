"""``lakekit transform | run-transforms``: one SQL file into a table, or a project of SQL files in order.

Two commands rather than one with a ``--project`` switch: each mirrors one ``Lake`` method
(``transform``, ``run_transforms``) and has its own required arguments, so typer checks them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from lakekit.cli._common import CreateOpt, as_json, counter, open_lake, out, print_json, print_records, progress
from lakekit.core.results import Explained, ProjectRun
from lakekit.errors import ProjectFailed, UsageError
from lakekit.project import Project
from lakekit.transform.engines import EngineName
from lakekit.transform.project import header, planned

DialectOpt = Annotated[str | None, typer.Option(
    "--dialect", help="SQL dialect of the file(s), sqlglot's names (default: lakekit.toml's, else duckdb).")]
FullRefreshOpt = Annotated[bool, typer.Option(
    "--full-refresh", help="Rebuild even when unchanged; recompute incremental transforms whole.")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="Run nothing: print the SQL as DuckDB would run it, with the pinned inputs.")]
EngineOpt = Annotated[EngineName | None, typer.Option(
    "--engine", help="What runs the SQL: duckdb or spark (default: lakekit.toml's, else duckdb).")]
SparkOpt = Annotated[str | None, typer.Option(
    "--spark", help="Spark session for --engine spark: local[2], spark://HOST:PORT or sc://HOST:PORT "
                    "(default: lakekit.toml's 'spark', else local[2]).")]


def show_explained(explained: Explained, json_out: bool) -> None:
    """An :class:`Explained` as JSON, or as SQL with its inputs in comments."""
    if json_out:
        print_json(explained.asdict())
    else:
        out.print(str(explained), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("transform")(transform)
    app.command("run-transforms")(run_transforms)
    app.command("ls")(ls)


def transform(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Table the SQL makes, namespace.name.")],
    file: Annotated[Path, typer.Argument(help="File with one SQL statement.", exists=True, dir_okay=False)],
    dialect: Annotated[str | None, typer.Option(
        "--dialect", help="SQL dialect (default: the file's header, else lakekit.toml's, else duckdb).")] = None,
    mode: Annotated[Literal["overwrite", "append", "merge"], typer.Option(
        "--mode", help="How a plain query lands (CREATE/INSERT/MERGE statements say it themselves).")] = "overwrite",
    key: Annotated[list[str] | None, typer.Option("--key", help="Merge key column (repeatable).")] = None,
    version_of: Annotated[list[str] | None, typer.Option(
        "--version-of", help="Pin an input, TABLE=VERSION (repeatable; default: latest).")] = None,
    incremental: Annotated[bool, typer.Option(
        "--incremental", help="Read only rows added since the last run; merge them on --key.")] = False,
    full_refresh: FullRefreshOpt = False,
    create: CreateOpt = False,
    explain: ExplainOpt = False,
    engine: EngineOpt = None,
    spark: SparkOpt = None,
) -> None:
    """Run the SQL in FILE over pinned input versions into a new version of TARGET. The file's
    `-- lakekit:` header (dialect=…, incremental, keys=…) applies where no option says otherwise."""
    versions = dict(_pin(v) for v in version_of or [])
    sql = file.read_text()
    settings = header(str(file), sql)
    keys = key or [k for k in settings.get("keys", "").split(",") if k]
    dialect = dialect or settings.get("dialect")  # else the lake's: lakekit.toml's
    lake = open_lake(ctx, create=create, spark=spark)
    if explain:
        show_explained(lake.transform(target, sql, dialect=dialect, mode=mode, versions=versions, keys=keys,
                                      explain=True), as_json(ctx))
        return
    with progress(ctx, f"transform {target}"):
        result = lake.transform(target, sql, dialect=dialect, mode=mode, versions=versions, keys=keys,
                                incremental=incremental or "incremental" in settings, full_refresh=full_refresh,
                                engine=engine)
    if as_json(ctx):
        print_json(result.asdict())
        return
    inputs = ", ".join(f"{t}@{v}" for t, v in result.inputs.items())
    if result.skipped:
        out.print(f"{target}: skipped, {result.reason} (version {result.version})")
    else:
        out.print(f"{target}: version {result.version}, {result.rows:,} rows, {result.quarantined:,} quarantined, "
                  f"from {inputs} ({result.reason})")


def _pin(text: str) -> tuple[str, int]:
    table, sep, version = text.partition("=")
    if not sep or not table or not version.isdigit():
        raise typer.BadParameter(f"expected TABLE=VERSION, got '{text}'", param_hint="--version-of")
    return table, int(version)


def run_transforms(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(
        help="Folder of *.sql files (default: lakekit.toml's 'transforms').", exists=True, file_okay=False,
        show_default=False)] = None,
    select: Annotated[str | None, typer.Option(
        "--select", help="dbt-style: TABLE, +TABLE (with upstream), TABLE+ (with downstream), +TABLE+.")] = None,
    dialect: DialectOpt = None,
    full_refresh: FullRefreshOpt = False,
    create: CreateOpt = False,
    engine: EngineOpt = None,
    spark: SparkOpt = None,
) -> None:
    """Run every SQL file under DIRECTORY in dependency order; unchanged ones are skipped. When a
    file fails the others still run, except those reading its table; the exit status is then 1."""
    project = Project.load()
    folder = directory or project.transforms
    if folder is None:
        raise UsageError("which transforms? give DIRECTORY, or 'transforms' in lakekit.toml")
    try:
        with progress(ctx, f"transforms in {folder}") as (bar, task):
            result = open_lake(ctx, create=create, spark=spark).run_transforms(
                folder, select=select, dialect=dialect, full_refresh=full_refresh,
                engine=engine, progress=counter(bar, task, f"transforms in {folder}"))
    except ProjectFailed as failed:
        _show(failed.result, as_json(ctx))
        raise
    _show(result, as_json(ctx))


def ls(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(
        help="Folder of *.sql files (default: lakekit.toml's 'transforms').", exists=True, file_okay=False,
        show_default=False)] = None,
    select: Annotated[str | None, typer.Option(
        "--select", help="dbt-style: TABLE or bare name, +TABLE, TABLE+, glob, path:FOLDER, tag:TAG; "
                         "spaces add up, commas intersect.")] = None,
    dialect: DialectOpt = None,
) -> None:
    """List the SQL files run-transforms would run (with --select: those it picks), in order. Reads no lake."""
    project = Project.load()
    folder = directory or project.transforms
    if folder is None:
        raise UsageError("which transforms? give DIRECTORY, or 'transforms' in lakekit.toml")
    files = planned(folder, select=select, dialect=dialect or project.dialect)
    records = [{"table": f.target, "file": f.relative, "tags": list(f.tags), "reads": list(f.inputs)} for f in files]
    if as_json(ctx):
        print_json(records)
    else:
        print_records([{**r, "tags": ",".join(r["tags"]), "reads": ",".join(r["reads"])} for r in records],
                      title=f"transforms in {folder}", columns=["table", "file", "tags", "reads"])


def _show(result: ProjectRun, json_out: bool) -> None:
    if json_out:
        print_json(result.asdict())
        return
    print_records([{
        "file": f.file, "table": f.target, "version": f.version,
        "ran": "failed" if f.error else "skipped" if f.skipped else "ran",
        "rows": None if f.skipped or f.error else f.rows, "why": f.error or f.reason,
    } for f in result.files], title=f"transforms in {result.directory}")
