"""What every CLI command shares: exit codes, the global options, the project's lake, rendering.

The global options ``--lake``, ``--json`` and ``--debug`` are declared once here and given to
the root and to every group and command (:func:`add_global_options`), so they work before or
after the subcommand, as git's and dbt's do; the last one given wins. Commands read them from
their context (:func:`open_lake`, :func:`as_json`).
"""

from __future__ import annotations

import contextlib
import enum
import json
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.console import Console, ConsoleDimensions
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperArgument

from lakekit.core.progress import Steps
from lakekit.core.results import plain
from lakekit.errors import NoLake
from lakekit.lake import Lake
from lakekit.project import Project

UNBOUNDED = 1 << 16
"""The width tables and trees are laid out in when the output is not a terminal: wide enough
that nothing is cut or folded (rich would take the width of the terminal the pipe started in)."""


class _Console(Console):
    """A console as wide as the terminal it prints to, and unbounded when it prints elsewhere."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNBOUNDED, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


out = _Console(soft_wrap=True)
err = _Console(stderr=True, soft_wrap=True)
GLOBAL = "lakekit.global."
"""Prefix of the root context's ``meta`` keys holding the global options' values."""


class ExitCode(enum.IntEnum):
    OK = 0
    USER_ERROR = 1
    USAGE = 2


LakeOpt = Annotated[
    str | None,
    typer.Option("--lake", help="Lake root (path or URI). Default: lakekit.toml's 'lake', else ./lake.",
                 rich_help_panel="Global options", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.", rich_help_panel="Global options")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of lakekit errors.",
                                        rich_help_panel="Global options")]
CreateOpt = Annotated[bool, typer.Option("--create", help="Create the lake when it does not exist yet.")]


def _declared(lake: LakeOpt = None, json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """The global options, declared as typer declares any option."""


def _remember(ctx: Any, param: Any, value: Any) -> Any:
    if value:
        ctx.find_root().meta[GLOBAL + param.name] = value
    return value


def add_global_options(command: Any) -> None:
    """Give ``command`` (and, for a group, every command under it) the global options."""
    holder = typer.Typer(add_completion=False)
    holder.command()(_declared)
    names = {n for p in command.params for n in p.opts}
    for param in typer.main.get_command(holder).params:
        if not names & set(param.opts):
            param.expose_value = False
            param.callback = _remember
            command.params.append(param)
    for sub in getattr(command, "commands", {}).values():
        add_global_options(sub)


def plain_help(command: Any) -> None:
    """Help without typer's ``<bool>``/``<str>`` placeholders, for ``command`` and every command
    under it: a flag shows none, an option taking a value its name (``--limit LIMIT``), a choice
    its values, an argument only its name."""
    helper = command.get_help_option(typer.Context(command))  # made once, then kept by the command
    for param in [*command.params, *([helper] if helper else [])]:
        shown = _placeholder(param)
        param.display_type_rich = lambda ctx, shown=shown: shown
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)


def _placeholder(param: Any) -> str | None:
    if isinstance(param, TyperArgument) or getattr(param, "is_flag", False):
        return None
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    return str(param.name or "value").upper()


def option(ctx: typer.Context, name: str) -> Any:
    """The value of a global option (None when not given)."""
    return ctx.find_root().meta.get(GLOBAL + name)


def as_json(ctx: typer.Context) -> bool:
    return bool(option(ctx, "json"))


def open_lake(ctx: typer.Context, *, create: bool | None = None, spark: str | None = None) -> Lake:
    """The lake of ``--lake`` (else the project's), governed by the project's schemas, its Spark
    session ``spark`` (else the project's).

    A lake that does not exist is an error, unless a writing command (``create`` not None) was
    told ``--create``.
    """
    project = Project.load()
    try:
        return project.open(option(ctx, "lake"), create=bool(create), spark=spark)
    except NoLake as e:
        raise NoLake(e.root, also=", or pass --create" if create is not None else "") from None


def key_value(text: str, hint: str) -> tuple[str, str]:
    """``KEY=VALUE`` → (key, value); anything else is a usage error naming ``hint``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"expected KEY=VALUE, got '{text}'", param_hint=hint)
    return key, value


def print_json(value: Any) -> None:
    """``value`` as the command's one JSON document on stdout (see :func:`lakekit.core.results.plain`)."""
    sys.stdout.write(json.dumps(plain(value), indent=2, default=str) + "\n")


def print_error(json_out: bool, kind: str, message: str) -> None:
    """An error as one line on stderr: ``error: …``, or under ``--json`` the document
    ``{"error": {"type": kind, "message": message}}``."""
    if json_out:
        sys.stderr.write(json.dumps({"error": {"type": kind, "message": message}}) + "\n")
    else:
        err.print(f"error: {message}", markup=False, highlight=False)


@contextlib.contextmanager
def progress(ctx: typer.Context, description: str) -> Iterator[tuple[Progress, TaskID]]:
    """A progress bar on stderr while the block runs: its elapsed time and a bar the block may
    advance (``bar.update(task, total=…, completed=…, description=…)``; it pulses until it
    has a total). Off when stdout (or stderr) is not a terminal, and under ``--json``."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
                  transient=True, disable=as_json(ctx) or not (out.is_terminal and err.is_terminal)) as bar:
        yield bar, bar.add_task(description, total=None)


def counter(bar: Progress, task: TaskID, label: str) -> Steps:
    """Counted progress (:mod:`lakekit.core.progress`) drawn on the bar of :func:`progress`:
    ``label: what (n of m)`` and the bar filled to ``done`` of ``total``."""
    def step(done: int, total: int, what: str) -> None:
        shown = f"{label}: {what} ({done + 1} of {total})" if what else label
        bar.update(task, total=total, completed=done, description=shown)
    return step


def first_rows(table: pa.Table, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of ``table`` as dicts (a table without columns has none)."""
    return table.slice(0, min(limit, table.num_rows)).to_pylist() if table.num_columns else []


def print_records(records: Sequence[Mapping[str, Any]], *, title: str | None = None,
                  columns: Iterable[str] | None = None, keep: Collection[str] = ()) -> None:
    """A list of flat dicts as a rich table. The ``keep`` columns (ids, timestamps) are never
    wrapped nor cut: on a terminal too narrow, the other columns are cut short (``…``) instead."""
    cols = list(columns) if columns is not None else list(records[0]) if records else []
    cells = [[_cell(r.get(c)) for c in cols] for r in records]
    natural = {c: max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)}
    widths = fitted(out.width, natural, keep) if out.is_terminal else natural
    table = Table(title=title, show_lines=False)
    for c in cols:
        if keep:
            table.add_column(c, no_wrap=True, overflow="ellipsis", min_width=widths[c] if c in keep else None,
                             max_width=None if c in keep else widths[c] + 2)  # + the padding
        else:
            table.add_column(c, overflow="fold")
    for row in cells:
        table.add_row(*row)
    out.print(table)


def fitted(width: int, natural: Mapping[str, int], keep: Collection[str]) -> dict[str, int]:
    """Column → its width in a table ``width`` characters wide: the ``keep`` columns whole, the
    others sharing what is left, a narrow one keeping its width and the rest cut evenly.

    >>> fitted(40, {"run": 28, "name": 20, "status": 8}, {"run"})
    {'run': 28, 'name': 1, 'status': 1}
    >>> fitted(80, {"run": 28, "name": 20, "status": 8}, {"run"})
    {'run': 28, 'name': 20, 'status': 8}
    """
    left = width - 3 * len(natural) - 1 - sum(natural[c] for c in keep if c in natural)
    widths = {c: w for c, w in natural.items() if c in keep}
    others = sorted((w, c) for c, w in natural.items() if c not in keep)
    for n, (w, c) in enumerate(others):
        widths[c] = max(1, min(w, left // (len(others) - n)))
        left -= widths[c]
    return {c: widths[c] for c in natural}


def _cell(value: Any) -> Text:
    """A value as it is: text in brackets (``[erased:<hash>]``, a user's ``[bold]``) is no markup."""
    value = plain(value)
    if isinstance(value, dict | list):
        return Text(json.dumps(value, default=str))
    return Text("" if value is None else str(value))
