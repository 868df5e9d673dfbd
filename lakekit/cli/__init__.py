"""The ``lakekit`` command line: one command group per concept, one error boundary.

Known lakekit errors become one line on stderr and exit code 1; usage errors exit 2
(click's own); ``--debug`` (or ``LAKEKIT_DEBUG=1``) lets the traceback through instead.
The boundary sits in the root group's ``invoke``, so it holds in-process too
(``CliRunner().invoke(app, [...])``).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from lakekit.cli import features, gdpr, impact, lineage, query, runs, tables, transforms, validation
from lakekit.cli._common import ExitCode, err
from lakekit.errors import LakekitError

_DEBUG = "lakekit.debug"


class _ErrorBoundary(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LakekitError as e:
            if ctx.meta.get(_DEBUG) or os.environ.get("LAKEKIT_DEBUG") == "1":
                raise
            err.print(f"error: {e}", markup=False, highlight=False)
            raise typer.Exit(ExitCode.USER_ERROR) from None


app = typer.Typer(
    name="lakekit",
    cls=_ErrorBoundary,
    help="Time-travelable Delta tables for ML teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of lakekit errors.")] = False,
) -> None:
    ctx.meta[_DEBUG] = debug


tables.register(app)
query.register(app)
validation.register(app)
impact.register(app)
transforms.register(app)
runs.register(app)
app.add_typer(lineage.app, name="lineage")
app.add_typer(gdpr.app, name="gdpr")
app.add_typer(features.app, name="features")


def main() -> None:
    """Console entry point (``lakekit``)."""
    app()
