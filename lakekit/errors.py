"""One error family for lakekit.

Every failure a user can cause (bad input, unknown table, unparseable SQL...) is a
:class:`LakekitError`. The CLI turns exactly these into a one-line message and exit code 1;
anything else is a bug and keeps its traceback. Messages never carry a data value that could
be personal data: they name files, lines, columns and tables, and hash subject identifiers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakekit.core.results import ValidationReport


class LakekitError(Exception):
    """Root of every error lakekit raises on purpose."""


class UsageError(LakekitError):
    """The call itself is wrong (e.g. ``mode="merge"`` without ``keys``)."""


class TableNotFound(LakekitError):
    """A table name that is not in the lake."""

    def __init__(self, table: str) -> None:
        super().__init__(f"unknown table '{table}'")
        self.table = table


class VersionNotFound(LakekitError):
    """A version (or timestamp) a table does not have."""

    def __init__(self, table: str, detail: str) -> None:
        super().__init__(f"table '{table}' has no {detail}")
        self.table = table


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


class ValidationFailed(LakekitError):
    """Data rejected by a table's schema under the ``fail`` policy."""


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


class SchemaChanged(LakekitError):
    """A schema for a table that differs from the one the lake recorded for it."""

    def __init__(self, table: str, given: str, recorded: str, changes: list[str]) -> None:
        super().__init__(
            f"the schema {given} for '{table}' differs from the one the lake recorded, {recorded}: "
            f"{'; '.join(changes) or 'its definition changed'} (to govern the table by it from now on, "
            f"lake.set_schema('{table}', replace=True) or `lakekit schema {table} --record --replace`)")
        self.table = table
        self.changes = changes


class SchemasNotLoaded(LakekitError):
    """A schema folder or package that cannot be loaded (missing, or failing on import)."""


class NoLake(LakekitError):
    """A lake root that does not exist, where nothing may create it."""

    def __init__(self, root: str, *, also: str = "") -> None:
        super().__init__(f"no lake at '{root}' — run 'lakekit init' to create one{also}")
        self.root = root
