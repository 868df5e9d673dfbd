"""``lakekit lineage``: column lineage of SQL files and of the lake."""

from __future__ import annotations

import enum
import json
import warnings
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.tree import Tree

from lakekit.cli._common import as_json, err, open_lake, out, print_json, print_records
from lakekit.core.results import LineageGraph, StoredEdge
from lakekit.errors import LakekitError
from lakekit.lineage import LineageWarning, column_lineage, edge_records, to_mermaid, to_openlineage

app = typer.Typer(help="Column lineage: of a SQL file (no lake needed), or across the lake.", no_args_is_help=True)


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    openlineage = "openlineage"
    mermaid = "mermaid"


@app.command("sql")
def sql_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="SQL file: one or more statements.", show_default=False)],
    dialect: Annotated[str | None, typer.Option("--dialect", "-d", help="SQL dialect (snowflake, bigquery, "
                                                "spark, databricks, duckdb, postgres, …).")] = None,
    schema: Annotated[Path | None, typer.Option("--schema", help="JSON file mapping table names to "
                                                "{column: type}; needed to expand SELECT *.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Table a plain SELECT writes. "
                                               "Default: the file name without .sql.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    warn: Annotated[bool, typer.Option("--warn", help="Show the edges of the statements lineage could analyse "
                                       "and one warning line per other statement, instead of failing.")] = False,
) -> None:
    """Column lineage (direct and indirect edges) of the statements in FILE; edges marked unresolved
    are guesses made without a schema (a wildcard, a column several tables could hold)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LineageWarning)
        edges = column_lineage(_read(file), dialect=dialect, schema=_schema(schema),
                               target=target or file.name.removesuffix(".sql"), errors="warn" if warn else "strict")
    for warning in caught:
        if issubclass(warning.category, LineageWarning):
            typer.echo(f"warning: {warning.message}", err=True)
    if fmt is Format.json or (as_json(ctx) and fmt is not Format.openlineage):
        print_json(edge_records(edges))
    elif fmt is Format.openlineage:
        print_json(to_openlineage(edges))
    elif fmt is Format.mermaid:
        typer.echo(to_mermaid(edges))
    else:
        rows = [{"source": f"{e.source_table}.{e.source_column}", "target": f"{e.target_table}.{e.target_column}",
                 "kind": e.kind, "subtype": e.subtype, "unresolved": "yes" if e.unresolved else ""} for e in edges]
        print_records(rows, title=f"column lineage of {file.name}",
                      columns=("source", "target", "kind", "subtype", "unresolved"))


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LakekitError(f"cannot read SQL file '{file}': {e}") from None


def _schema(file: Path | None) -> dict[str, Any] | None:
    if file is None:
        return None
    try:
        loaded = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise LakekitError(f"cannot read schema file '{file}': {e}") from None
    except json.JSONDecodeError as e:
        raise LakekitError(f"schema file '{file}' is not valid JSON: {e}") from None
    if not isinstance(loaded, dict):
        raise LakekitError(f"schema file '{file}' must hold a JSON object of tables")
    return loaded


class Graph(enum.StrEnum):
    tree = "tree"
    json = "json"
    openlineage = "openlineage"
    mermaid = "mermaid"


RefArg = Annotated[str, typer.Argument(help="namespace.table.column (or namespace.table).", show_default=False)]
GraphOpt = Annotated[Graph, typer.Option("--format", "-f", help="Output format (--json: json, or openlineage).")]
HopsOpt = Annotated[int | None, typer.Option("--hops", min=1, help="Stop this many hops away (a column edge or a "
                                             "run crossed is one hop); default: the whole walk.", show_default=False)]


@app.command("up")
def up(ctx: typer.Context, ref: RefArg, fmt: GraphOpt = Graph.tree, hops: HopsOpt = None) -> None:
    """What feeds REF across the lake's recorded transforms, with the versions involved."""
    target = open_lake(ctx)
    _show(target, target.lineage.upstream(ref, hops), _json_wins(ctx, fmt))


@app.command("down")
def down(ctx: typer.Context, ref: RefArg, fmt: GraphOpt = Graph.tree, hops: HopsOpt = None) -> None:
    """What REF feeds (directly, or through joins, filters, …): the columns, tables and runs affected."""
    target = open_lake(ctx)
    _show(target, target.lineage.downstream(ref, hops), _json_wins(ctx, fmt))


def _json_wins(ctx: typer.Context, fmt: Graph) -> Graph:
    """``--json`` prints the graph as JSON, unless ``--format openlineage`` (JSON too) was asked."""
    return Graph.json if as_json(ctx) and fmt is not Graph.openlineage else fmt


def _show(lake: Any, graph: LineageGraph, fmt: Graph) -> None:
    if fmt is Graph.json:
        print_json(graph.asdict())
    elif fmt is Graph.openlineage:
        print_json(lake.lineage.openlineage(graph))
    elif fmt is Graph.mermaid:
        typer.echo(lake.lineage.mermaid(graph))
    else:
        out.print(_tree(graph))


@app.command("events")
def events(
    ctx: typer.Context,
    since: Annotated[datetime | None, typer.Option("--since", help="Only events at or after this time "
                                                   "(ISO 8601; without a zone: UTC).", show_default=False,
                                                   formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z",
                                                            "%Y-%m-%d %H:%M:%S"])] = None,
    to: Annotated[str | None, typer.Option("--to", help="Send them to this OpenLineage endpoint (e.g. "
                                           "http://localhost:5000) instead of printing them.",
                                           show_default=False)] = None,
) -> None:
    """OpenLineage run events (START, then COMPLETE or FAIL) of every transform and model run, as JSON
    lines (under --json: one JSON array)."""
    lake = open_lake(ctx)
    if to is not None:
        sent = lake.lineage.emit(to, since=since)
        if as_json(ctx):
            print_json({"sent": sent})
        else:
            err.print(f"sent {sent} OpenLineage event(s)", markup=False, highlight=False)
        return
    found = lake.lineage.events(since)
    if as_json(ctx):
        print_json(found)
        return
    for event in found:
        typer.echo(json.dumps(event, separators=(",", ":"), default=str))


def _tree(graph: LineageGraph) -> Tree:
    """Edges grouped by the table they lead to (downstream) or come from (upstream)."""
    tree = Tree(f"[bold]{graph.direction} of {graph.root}")
    groups: dict[str, list[StoredEdge]] = {}
    for e in graph.edges:
        key = e.edge.target_table if graph.direction == "downstream" else e.edge.source_table
        groups.setdefault(key, []).append(e)
    for table in sorted(groups):
        branch = tree.add(f"[bold]{table}")
        for e in groups[table]:
            branch.add(f"{e.edge.source_table}.{e.edge.source_column} (v{e.source_version}) → "
                       f"{e.edge.target_table}.{e.edge.target_column} (v{e.target_version})  "
                       f"[dim]{e.edge.kind}/{e.edge.subtype}[/dim]")
    for run in graph.runs:
        tree.add(f"[bold]run {run}")
    return tree
