"""``lakekit rerun``: recompute what depends on a table after it was fixed."""

from __future__ import annotations

from typing import Annotated

import typer

from lakekit.cli._common import as_json, counter, open_lake, out, print_json, print_records, progress


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("rerun")(rerun)


def rerun(
    ctx: typer.Context,
    downstream_of: Annotated[str, typer.Option("--downstream-of", help="The table that changed, namespace.name.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would run and why.")] = False,
    include_runs: Annotated[bool, typer.Option("--include-runs", help="Also re-execute the recorded commands of "
                                               "the model runs that became stale, and what depends on them.")] = False,
) -> None:
    """Recompute every transform downstream of a table, in dependency order, and show the row changes."""
    label = f"rerun downstream of {downstream_of}"
    with progress(ctx, label) as (bar, task):
        steps = open_lake(ctx).rerun(downstream_of, dry_run=dry_run, include_runs=include_runs,
                                     progress=counter(bar, task, label))
    if as_json(ctx):
        print_json([s.asdict() for s in steps])
        return
    if not steps:
        out.print(f"nothing depends on {downstream_of}")
        return
    print_records([{
        "table": s.table, "was": s.previous_version, "now": s.version, "why": s.reason,
        "added": s.rows.added if s.rows else None, "removed": s.rows.removed if s.rows else None,
        "changed": s.rows.changed if s.rows else None,
    } for s in steps], title=f"{'would rerun' if dry_run else 'reran'} downstream of {downstream_of}")
