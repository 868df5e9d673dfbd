"""The ``lakekit`` command line: one command group per concept, one error boundary.

Known lakekit errors, and files the system would not read or write, become one line on stderr
and exit code 1; usage errors (an unknown option, a missing argument) one line too, naming the
help to read, and exit 2 (click's own code); under ``--json`` either is the document
``{"error": {"type": ..., "message": ...}}``. ``--debug`` (or ``LAKEKIT_DEBUG=1``) lets the
traceback through instead. The boundary sits in the root group's ``invoke``, so it holds
in-process too (``CliRunner().invoke(app, [...])``). The root group also gives every command
the global options (``--lake``, ``--json``, ``--debug``) when it is built.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

import lakekit
from lakekit.cli import docs, features, gdpr, impact, lineage, query, runs, tables, transforms, validation
from lakekit.cli._common import ExitCode, add_global_options, option, out, plain_help, print_error
from lakekit.errors import LakekitError

_USAGE: type[Exception] = typer.BadParameter.__bases__[0]
"""click's ``UsageError``, from whichever click typer uses (recent typers vendor their own)."""
_HELP: type[Exception] = sys.modules[_USAGE.__module__].NoArgsIsHelpError
"""The usage error of a group called without a command: its help, shown as click shows it."""


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

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except _USAGE as e:  # an option of the root's own
            self._usage(e)

    def _usage(self, e: Exception) -> NoReturn:
        """A usage error as one line (``--json`` may not be parsed yet: the arguments say)."""
        if isinstance(e, _HELP):
            raise e
        where = getattr(e, "ctx", None)
        hint = f" (try: {where.command_path} --help)" if where is not None else ""
        print_error(self.json_asked, "UsageError", e.format_message().rstrip(".") + hint)  # type: ignore[attr-defined]
        raise typer.Exit(ExitCode.USAGE) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE as e:
            self._usage(e)
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
