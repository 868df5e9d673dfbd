"""``lakekit sql``: read-only SQL over the lake's tables, time travel included."""

from __future__ import annotations

from typing import Annotated

import pyarrow as pa
import typer

from lakekit.cli._common import as_json, first_rows, open_lake, print_json, print_records
from lakekit.cli.transforms import EngineOpt, ExplainOpt, SparkOpt, show_explained


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("sql")(sql)


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One SELECT over namespace.name tables.")],
    dialect: Annotated[str | None, typer.Option(
        "--dialect", help="SQL dialect of QUERY (default: lakekit.toml's, else duckdb).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows to print.")] = 100,
    explain: ExplainOpt = False,
    engine: EngineOpt = None,
    spark: SparkOpt = None,
) -> None:
    """Run QUERY, e.g. "SELECT * FROM raw.users VERSION AS OF 3" --dialect spark."""
    if explain:
        show_explained(open_lake(ctx).sql(query, dialect=dialect, explain=True), as_json(ctx))
        return
    result: pa.Table = open_lake(ctx, spark=spark).sql(query, dialect=dialect, engine=engine)
    head = first_rows(result, limit)
    if as_json(ctx):
        print_json(head)
    else:
        print_records(head, columns=result.column_names, title=f"{len(head)} of {result.num_rows:,} rows")
