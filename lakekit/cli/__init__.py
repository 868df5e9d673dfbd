"""The ``lakekit`` command line: one command group per concept, one error boundary.

Known lakekit errors become one line on stderr and exit code 1; usage errors exit 2
(click's own); ``--debug`` (or ``LAKEKIT_DEBUG=1``) lets the traceback through instead.
The boundary sits in the root group's ``invoke``, so it holds in-process too
(``CliRunner().invoke(app, [...])``). The root group also gives every command the global
options (``--lake``, ``--json``, ``--debug``) when it is built.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import lakekit
from lakekit.cli import docs, features, gdpr, impact, lineage, query, runs, tables, transforms, validation
from lakekit.cli._common import ExitCode, add_global_options, err, option, out
from lakekit.errors import LakekitError


class _ErrorBoundary(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_global_options(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LakekitError as e:
            if option(ctx, "debug") or os.environ.get("LAKEKIT_DEBUG") == "1":
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


def _version(shown: bool) -> None:
    if shown:
        out.print(f"lakekit {lakekit.__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print lakekit's version.", is_eager=True,
                                          callback=_version)] = False,
) -> None:
    """Time-travelable Delta tables for ML teams. Run `lakekit init` to start a project."""


tables.register(app)
query.register(app)
validation.register(app)
impact.register(app)
transforms.register(app)
runs.register(app)
app.add_typer(lineage.app, name="lineage")
app.add_typer(gdpr.app, name="gdpr")
app.add_typer(features.app, name="features")
app.add_typer(docs.app, name="docs")


def main() -> None:
    """Console entry point (``lakekit``)."""
    app()
