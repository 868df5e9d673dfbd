"""The ``lakekit`` command line: one command group per concept, one error boundary.

Known lakekit errors, and files the system would not read or write, become one line on stderr
and exit code 1; usage errors exit 2 (click's own); under ``--json`` either is the document
``{"error": {"type": ..., "message": ...}}``. ``--debug`` (or ``LAKEKIT_DEBUG=1``) lets the
traceback through instead. The boundary sits in the root group's ``invoke``, so it holds
in-process too (``CliRunner().invoke(app, [...])``). The root group also gives every command
the global options (``--lake``, ``--json``, ``--debug``) when it is built.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import lakekit
from lakekit.cli import docs, features, gdpr, impact, lineage, query, runs, tables, transforms, validation
from lakekit.cli._common import ExitCode, add_global_options, option, out, plain_help, print_error
from lakekit.errors import LakekitError

_USAGE: type[Exception] = typer.BadParameter.__bases__[0]
"""click's ``UsageError``, from whichever click typer uses (recent typers vendor their own)."""


class _ErrorBoundary(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_global_options(self)
        self.json_asked = False

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        plain_help(self)  # once every option is there: typer adds the completion ones last
        given = list(sys.argv[1:] if args is None else args)
        self.json_asked = "--json" in given[:given.index("--")] if "--" in given else "--json" in given
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE as e:  # a value that does not parse can come before --json is read: ask the arguments
            if not (option(ctx, "json") or self.json_asked):
                raise
            print_error(True, "UsageError", e.format_message())  # type: ignore[attr-defined]
            raise typer.Exit(ExitCode.USAGE) from None
        except (LakekitError, OSError) as e:
            if option(ctx, "debug") or os.environ.get("LAKEKIT_DEBUG") == "1":
                raise
            print_error(bool(option(ctx, "json")), type(e).__name__,
                        str(e) if isinstance(e, LakekitError) else _system(e))
            raise typer.Exit(ExitCode.USER_ERROR) from None


def _system(e: OSError) -> str:
    """What the system refused, and on which path, in one line."""
    where = f": '{e.filename}'" if e.filename else ""
    return f"{e.strerror or type(e).__name__}{where}"


app = typer.Typer(
    name="lakekit",
    cls=_ErrorBoundary,
    help="Time-travelable Delta tables for ML teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
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
