"""Every error lakekit raises, in one place.

Three kinds, told apart by type, never by message:

- :class:`LakekitError`: a failure the caller can cause or fix (bad input, an unknown table,
  unparseable SQL...). The CLI turns exactly these into a one-line message and exit code 1.
  Within it, :class:`NotFound` gathers "no such thing" (tables, versions, runs, columns) and
  :class:`Transient` gathers failures that may pass when the same call is made again
  (another writer committed first): retry on the type, as :mod:`lakekit.write.commit` does.
- :class:`InternalError`: lakekit's own bookkeeping contradicts itself: a bug (or a lake
  changed behind lakekit's back). It is not a :class:`LakekitError`, so the CLI shows its
  traceback.
- anything else (``OSError``, delta-rs panics...) propagates as it is.

Messages never carry a data value that could be personal data: they name files, lines,
columns and tables, and hash subject identifiers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakekit.core.results import ProjectRun, ValidationReport


_QUOTED = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?")
_NUMBER = re.compile(r"(?<![\w.])(?<!line )(?<!column )(?<!col )(?<!position )(?<!row )(?<!version )(?<!#)"
                     r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_LONGEST = 300


def masked(message: str) -> str:
    """The first line of an engine's message (DuckDB, sqlglot, pyarrow) with its literals masked:
    quoted strings (single or double quotes) and numbers other than positions, which may be
    values from the data or the query.

    >>> masked("Conversion Error: Could not convert string 'alice@example.com' to INT32")
    "Conversion Error: Could not convert string '…' to INT32"
    >>> masked('Parser Error: syntax error at or near "x@y.z" at line 3\\nLINE 3: SELECT')
    'Parser Error: syntax error at or near "…" at line 3'
    >>> masked("Out of Range Error: Overflow in multiplication of INT32 (2147483647 * 2)!")
    'Out of Range Error: Overflow in multiplication of INT32 (… * …)!'
    """
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = _QUOTED.sub(lambda m: m.group(0)[0] + "…" + m.group(0)[0], first)
    first = _NUMBER.sub("…", first)
    return first if len(first) <= _LONGEST else first[:_LONGEST] + "…"


class LakekitError(Exception):
    """Root of every error lakekit raises on purpose for its caller to handle."""


class InternalError(Exception):
    """A broken invariant of lakekit's own records: a bug, shown with its traceback (not a
    :class:`LakekitError`, so nothing mistakes it for the caller's fault)."""


# --- the call is wrong --------------------------------------------------------------------------

class UsageError(LakekitError):
    """The call itself is wrong (e.g. ``mode="merge"`` without ``keys``)."""


class InvalidTableName(UsageError):
    """A table name outside the grammar of :mod:`lakekit.core.names`."""


class Cycle(UsageError):
    """Items that wait on each other; ``path`` walks one cycle among them (first = last)."""

    def __init__(self, path: list[str]) -> None:
        super().__init__(" → ".join(path))
        self.path = path


class SchemasNotLoaded(UsageError):
    """A schema folder or package that cannot be loaded (missing, or failing on import)."""


class IncompatibleFormat(LakekitError):
    """A lake whose stored format this lakekit cannot read (written by a newer lakekit)."""

    def __init__(self, table: str, found: int, supported: int) -> None:
        super().__init__(f"'{table}' is stored in lakekit format {found}, but this lakekit reads formats up to "
                         f"{supported}: upgrade lakekit (pip install -U lakekit) to open this lake")
        self.table = table
        self.found = found
        self.supported = supported


# --- something named does not exist -------------------------------------------------------------

class NotFound(LakekitError):
    """Something named in the call does not exist (a table, a version, a run, a column)."""


class TableNotFound(NotFound):
    """A table name that is not in the lake."""

    def __init__(self, table: str) -> None:
        super().__init__(f"unknown table '{table}'")
        self.table = table


class VersionNotFound(NotFound):
    """A version (or timestamp) a table does not have."""

    def __init__(self, table: str, detail: str) -> None:
        super().__init__(f"table '{table}' has no {detail}")
        self.table = table


class VersionGone(VersionNotFound):
    """A version whose data files are no longer there (a vacuum removed them, or an erasure
    removed the subject's rows and, with them, files holding nothing else)."""

    def __init__(self, table: str) -> None:
        super().__init__(table, "files left for this version (removed by a vacuum or an erasure)")


class UnsupportedTable(LakekitError):
    """A table version lakekit's engine cannot read faithfully from its files alone (deletion
    vectors, column mapping)."""


class EngineUnavailable(LakekitError):
    """The engine asked for cannot run: its package is not installed, or its session cannot be reached."""


class ColumnNotFound(NotFound):
    """A column a table does not have."""

    def __init__(self, table: str, column: str) -> None:
        super().__init__(f"table '{table}' has no column '{column}'")
        self.table = table
        self.column = column


class NoLake(NotFound):
    """A lake root that does not exist, where nothing may create it."""

    def __init__(self, root: str, *, also: str = "") -> None:
        super().__init__(f"no lake at '{root}' — run 'lakekit init' to create one{also}")
        self.root = root


class RunNotFound(NotFound):
    """A run id this lake has no record of."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"unknown run '{run_id}'")
        self.run_id = run_id


class AmbiguousRun(UsageError):
    """A run id prefix that several recorded runs begin with."""

    def __init__(self, prefix: str, matches: int) -> None:
        super().__init__(f"run id prefix '{prefix}' matches {matches} runs: give more of the id")
        self.prefix = prefix
        self.matches = matches


# --- another writer got there first -------------------------------------------------------------

class Transient(LakekitError):
    """A failure that may pass: making the same call again can succeed."""


class Conflict(Transient):
    """Another writer committed first; the caller re-checks its snapshot and retries."""


class TargetMoved(Transient):
    """An UPDATE or DELETE read its target at one version and another writer committed on top of it
    before the change could: nothing is written (its rows would drop the other writer's)."""

    def __init__(self, table: str, read: int, latest: int) -> None:
        super().__init__(f"'{table}' moved on to version {latest} while this statement read version {read}: "
                         "nothing was written; run it again")


class TooManyConflicts(Transient):
    """A commit that lost to other writers at every attempt the retry policy allows."""

    def __init__(self, table: str, attempts: int) -> None:
        super().__init__(f"could not commit to '{table}' after {attempts} attempts: too many concurrent writers")
        self.table = table
        self.attempts = attempts


# --- the data is wrong --------------------------------------------------------------------------

class SourceError(LakekitError):
    """A source file that is missing, unreadable or malformed.

    ``line`` is 1-based in the file when known.
    """

    def __init__(self, uri: str, reason: str, *, line: int | None = None) -> None:
        where = f"{uri}, line {line}" if line is not None else uri
        super().__init__(f"{where}: {reason}")
        self.uri = uri
        self.line = line
        self.reason = reason


class SchemaConflict(LakekitError):
    """Incoming data whose column types clash with the table's."""

    def __init__(self, table: str, column: str, detail: str, *, uri: str | None = None) -> None:
        src = f" in {uri}" if uri else ""
        super().__init__(f"column '{column}' of '{table}'{src}: {detail}")
        self.table = table
        self.column = column
        self.uri = uri


class SchemaDrift(LakekitError):
    """Incoming columns that do not fit a table's schema, found before anything is written.

    ``problems`` maps each offending column to what is wrong with it (missing, not in a
    strict schema, a type that cannot become the schema's).
    """

    def __init__(self, table: str, source: str, problems: dict[str, str]) -> None:
        listed = "; ".join(f"column '{column}' {what}" for column, what in problems.items())
        super().__init__(f"{source} does not fit the schema of '{table}': {listed}")
        self.table = table
        self.source = source
        self.problems = problems


class DuplicateSchema(LakekitError):
    """Two schema models that claim the same table in ``Config.name``."""

    def __init__(self, table: str, models: tuple[str, ...]) -> None:
        super().__init__(f"table '{table}' is claimed by more than one schema: {', '.join(models)}")
        self.table = table
        self.models = models


class SchemaChanged(LakekitError):
    """A schema for a table that differs from the one the lake recorded for it."""

    def __init__(self, table: str, given: str, recorded: str, changes: list[str]) -> None:
        super().__init__(
            f"the schema {given} for '{table}' differs from the one the lake recorded, {recorded}: "
            f"{'; '.join(changes) or 'its definition changed'} (to govern the table by it from now on, "
            f"lake.set_schema('{table}', replace=True) or `lakekit schema {table} --record --replace`)")
        self.table = table
        self.changes = changes


class ValidationFailed(LakekitError):
    """Data rejected by a table's schema under the ``fail`` policy."""


class FailedChecks(ValidationFailed):
    """Rows that failed a table's schema under the ``fail`` policy; nothing was committed.

    The message lists the first failures by column, check, row number and count, never a
    value; ``report`` holds all of them.
    """

    def __init__(self, report: ValidationReport) -> None:
        shown = "; ".join(
            f"{f'column {f.column!r}' if f.column else 'a row check'} failed {f.check} in {f.count} row(s)"
            f" (first rows: {', '.join(map(str, f.first_rows))})"
            for f in report.failures[:5]
        )
        more = f"; and {len(report.failures) - 5} more check(s)" if len(report.failures) > 5 else ""
        super().__init__(f"'{report.table}' failed validation: {shown}{more}")
        self.report = report


class HistoryError(LakekitError):
    """A table's history cannot be rewritten (:mod:`lakekit.storage.history`): nothing was changed
    unless the message says so; a rewrite cut short resumes from its journal."""


class NotReproducible(LakekitError):
    """A recorded read that cannot be had again exactly (its files are gone, or its rows differ)."""

    def __init__(self, run_id: str, table: str, reason: str) -> None:
        what = f"its read of '{table}'" if table else "what it did"  # no table: the run as a whole
        super().__init__(f"run '{run_id}' cannot reproduce {what}: {reason}")
        self.run_id = run_id
        self.table = table


# --- SQL ----------------------------------------------------------------------------------------

class SqlError(LakekitError):
    """SQL that cannot be parsed, qualified or resolved.

    ``line`` and ``col`` are 1-based positions in the statement when known.
    """

    def __init__(
        self,
        message: str,
        *,
        sql: str | None = None,
        line: int | None = None,
        col: int | None = None,
        column: str | None = None,
    ) -> None:
        where = f" at line {line}, column {col}" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.sql = sql
        self.line = line
        self.col = col
        self.column = column


class ProjectFileError(LakekitError):
    """A lakekit error raised by one file of a SQL project; ``line``/``col`` are positions in that file."""

    def __init__(self, path: str, message: str, *, line: int | None = None, col: int | None = None) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.col = col


class ProjectFailed(ProjectFileError):
    """Files of a project failed. As dbt does, the others ran, except those reading a failed
    one's table; ``result`` has every file's outcome, and the error names the first failure
    (its file, line and column)."""

    def __init__(self, failures: list[ProjectFileError], result: ProjectRun) -> None:
        first = failures[0]
        blocked = sum(1 for f in result.files if f.skipped and f.version is None)
        super().__init__(first.path, f"{first.message} ({len(failures)} file(s) failed, {blocked} not run "
                                     "because they read a failed one; the others ran)", line=first.line, col=first.col)
        self.result = result
