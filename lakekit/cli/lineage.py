"""``lakekit lineage``: column lineage of SQL files and of the lake."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lakekit.cli._common import print_json, print_records
from lakekit.errors import LakekitError
from lakekit.lineage import column_lineage, edge_records, to_mermaid, to_openlineage

app = typer.Typer(help="Column lineage: of a SQL file (no lake needed), or across the lake.", no_args_is_help=True)


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    openlineage = "openlineage"
    mermaid = "mermaid"


@app.command("sql")
def sql_command(
    file: Annotated[Path, typer.Argument(help="SQL file: one or more statements.", show_default=False)],
    dialect: Annotated[str | None, typer.Option("--dialect", "-d", help="SQL dialect (snowflake, bigquery, "
                                                "spark, databricks, duckdb, postgres, …).")] = None,
    schema: Annotated[Path | None, typer.Option("--schema", help="JSON file mapping table names to "
                                                "{column: type}; needed to expand SELECT *.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Table a plain SELECT writes. "
                                               "Default: the file name without .sql.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Column lineage (direct and indirect edges) of the statements in FILE."""
    edges = column_lineage(_read(file), dialect=dialect, schema=_schema(schema),
                           target=target or file.name.removesuffix(".sql"))
    if fmt is Format.json:
        print_json(edge_records(edges))
    elif fmt is Format.openlineage:
        print_json(to_openlineage(edges))
    elif fmt is Format.mermaid:
        typer.echo(to_mermaid(edges))
    else:
        rows = [{"source": f"{e.source_table}.{e.source_column}", "target": f"{e.target_table}.{e.target_column}",
                 "kind": e.kind, "subtype": e.subtype} for e in edges]
        print_records(rows, title=f"column lineage of {file.name}", columns=("source", "target", "kind", "subtype"))


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
