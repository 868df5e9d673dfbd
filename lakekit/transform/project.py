"""Projects of SQL files: every ``*.sql`` under a directory run as transforms, in dependency order.

A file makes one table: the one its name says (``clean.users.sql``) or the one its statement
writes (``CREATE TABLE … AS``, ``INSERT INTO``, ``MERGE INTO``); when both say, they must agree.
Leading comment lines can configure the file::

    -- lakekit: dialect=bigquery
    -- lakekit: incremental keys=user_id,day
    -- lakekit: tags=nightly,finance

A file depends on the files making the tables its query reads, so they run first; a cycle is
an error naming its tables in order. Each file runs through :func:`lakekit.transform.transform`,
which skips it when the same SQL already ran over the same input versions (never when it reads
the clock or a random source, or with ``full_refresh``). ``select`` picks files the way dbt does
(:func:`selected`): by table (``clean.users``, or the bare ``users`` when one table has that
name), by glob over tables and file paths (``clean.*``, ``staging.*``), by folder or file
(``path:staging``), by tag (``tag:nightly``); ``+x`` adds everything upstream, ``x+`` everything
downstream; selections separated by spaces add up, joined by commas they intersect
(``tag:nightly,clean.*``).
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from lakekit.core import dag, names
from lakekit.core.progress import Steps, counted
from lakekit.core.results import FileRun, ProjectRun
from lakekit.errors import Cycle, LakekitError, ProjectFailed, ProjectFileError, SqlError, UsageError
from lakekit.storage.delta import Storage
from lakekit.transform import query, statement
from lakekit.transform.engines import DUCKDB, Engine
from lakekit.transform.pipeline import TransformOptions, transform
from lakekit.write.catalog import NONE, Catalog

_HEADER = re.compile(r"^\s*--\s*lakekit:(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class SqlFile:
    """One file of a project, parsed: what it makes, from what, how."""

    path: str
    target: str
    sql: str
    dialect: str
    inputs: tuple[str, ...]
    incremental: bool = False
    keys: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    relative: str = ""
    """The path below the project's folder, with ``/`` separators."""


def run_transforms(storage: Storage, directory: str | Path, *, select: str | None = None,
                   dialect: str = query.DEFAULT_DIALECT, catalog: Catalog = NONE,
                   full_refresh: bool = False, engine: Engine = DUCKDB,
                   progress: Steps | None = None) -> ProjectRun:
    """Run the project's files (those ``select`` picks, else all) in dependency order; when some
    fail, the rest still run (but those reading a failed one's table) and :class:`ProjectFailed` is
    raised. ``progress`` counts the files, each named by its table."""
    runs: list[FileRun] = []
    failures: list[ProjectFileError] = []
    broken: set[str] = set()
    for f in counted(planned(directory, select=select, dialect=dialect), progress, lambda f: f.target):
        target = f.target
        if upstream := sorted(set(f.inputs) & broken):
            broken.add(target)
            runs.append(FileRun(f.path, target, None, True, f"not run: {upstream[0]} failed", 0, {}))
            continue
        options = TransformOptions(dialect=f.dialect, keys=f.keys, catalog=catalog, source=f.path,
                                   job=f"run_transforms {directory}", incremental=f.incremental,
                                   full_refresh=full_refresh, engine=engine)
        try:
            with _blaming(f.path):
                r = transform(storage, target, f.sql, options)
        except ProjectFileError as e:
            broken.add(target)
            failures.append(e)
            runs.append(FileRun(f.path, target, None, False, "failed", 0, {}, error=e.message))
            continue
        runs.append(FileRun(f.path, target, r.version, r.skipped, r.reason, r.rows, r.inputs, r.previous_inputs))
    result = ProjectRun(str(directory), tuple(runs))
    if failures:
        raise ProjectFailed(failures, result)
    return result


def planned(directory: str | Path, *, select: str | None = None,
            dialect: str = query.DEFAULT_DIALECT) -> list[SqlFile]:
    """The files :func:`run_transforms` runs (those ``select`` picks, else all), in dependency order."""
    files = {f.target: f for f in load(directory, dialect)}
    chosen = selected(files, select) if select else set(files)
    return [files[target] for target in order(files) if target in chosen]


def load(directory: str | Path, dialect: str = query.DEFAULT_DIALECT) -> list[SqlFile]:
    """Every ``*.sql`` file under ``directory`` (sorted by path), parsed; two files making one table is an error."""
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"'{directory}' is not a directory")
    paths = sorted(root.rglob("*.sql"))
    if not paths:
        raise UsageError(f"no .sql files under '{directory}'")
    files: dict[str, SqlFile] = {}
    for path in paths:
        f = replace(parse_file(path, dialect), relative=path.relative_to(root).as_posix())
        if f.target in files:
            raise UsageError(f"{files[f.target].path} and {f.path} both make '{f.target}'")
        files[f.target] = f
    return list(files.values())


def parse_file(path: Path, dialect: str = query.DEFAULT_DIALECT) -> SqlFile:
    """One project file: its header, target and input tables."""
    name = str(path)
    try:
        sql = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectFileError(name, f"cannot read: {type(e).__name__}") from None
    settings = header(name, sql)
    file_dialect = settings.pop("dialect", dialect)
    with _blaming(name):
        stmt = statement.parse(sql, file_dialect)
        inputs = query.input_tables(stmt.query, file_dialect)
    named = path.name.removesuffix(".sql").lower()
    named_target = named if names.valid(named) else None
    if named_target and stmt.target and named_target != stmt.target:
        raise ProjectFileError(name, f"the file name says '{named_target}' but the SQL writes '{stmt.target}'")
    target = stmt.target or named_target
    if target is None:
        raise ProjectFileError(name, "no target: name the file namespace.table.sql or write CREATE TABLE … AS, "
                                     "INSERT INTO or MERGE INTO")
    with _blaming(name):
        names.check_writable(target)
    incremental = settings.pop("incremental", None) is not None
    keys = tuple(k for k in settings.pop("keys", "").split(",") if k)
    tags = tuple(t.lower() for t in settings.pop("tags", "").split(",") if t)
    return SqlFile(name, target, sql, file_dialect, tuple(inputs), incremental, keys, tags)


def header(path: str, sql: str) -> dict[str, str]:
    """``dialect``, ``incremental``, ``keys`` and ``tags`` from the leading ``-- lakekit:`` comment lines."""
    settings: dict[str, str] = {}
    for number, line in enumerate(sql.splitlines(), 1):
        if not line.strip():
            continue
        if not line.lstrip().startswith("--"):
            break
        found = _HEADER.match(line)
        for word in found.group(1).split() if found else ():
            key, _, value = word.partition("=")
            if word != "incremental" and (key not in ("dialect", "keys", "tags") or not value):
                raise ProjectFileError(path, f"unknown header setting '{key}' (dialect=…, incremental, keys=…, "
                                             "tags=…)", line=number)
            settings[key] = value
    return settings


def order(files: Mapping[str, SqlFile]) -> list[str]:
    """Targets in dependency order (ties by name); a cycle is an error naming its tables."""
    try:
        return dag.ordered(_graph(files)[0])
    except Cycle as c:
        raise UsageError(f"the SQL files read each other in a cycle (each reads the next): {c}") from None


def selected(files: Mapping[str, SqlFile], selection: str) -> set[str]:
    """The targets a dbt-style selection names (see the module's docstring).

    >>> fs = {t: SqlFile(f"{t}.sql", t, "", "duckdb", (), tags=tags, relative=f"{d}/{t}.sql")
    ...       for t, tags, d in [("clean.users", ("nightly",), "staging"), ("clean.orders", (), "staging"),
    ...                          ("marts.spend", ("nightly",), "marts")]}
    >>> sorted(selected(fs, "users")), sorted(selected(fs, "tag:nightly,clean.*")), sorted(selected(fs, "path:marts"))
    (['clean.users'], ['clean.users'], ['marts.spend'])
    """
    upstream, downstream = _graph(files)
    chosen: set[str] = set()
    for term in selection.split():
        found: set[str] | None = None
        for item in term.split(","):
            if not item:
                continue
            names = _matching(files, item.strip("+"), item)
            if item.startswith("+"):
                names |= dag.reach(names, upstream)
            if item.endswith("+"):
                names |= dag.reach(names, downstream)
            found = names if found is None else found & names
        chosen |= found or set()
    return chosen


def _matching(files: Mapping[str, SqlFile], method: str, item: str) -> set[str]:
    """The targets one selector method names: ``tag:``, ``path:``, a glob, a table or a bare name."""
    kind, _, value = method.partition(":") if method.startswith(("tag:", "path:")) else ("", "", method)
    value = value.lower()
    if kind == "tag":
        found = {t for t, f in files.items() if value in f.tags}
    elif kind == "path":
        found = {t for t, f in files.items() if f.relative == value or f.relative.startswith(value.rstrip("/") + "/")
                 or fnmatch.fnmatch(f.relative, value)}
    elif any(c in value for c in "*?["):
        dotted = {t: f.relative.removesuffix(".sql").replace("/", ".") for t, f in files.items()}
        found = {t for t in files if fnmatch.fnmatch(t, value) or fnmatch.fnmatch(dotted[t], value)}
    elif value in files:
        found = {value}
    else:
        found = {t for t in files if t.rsplit(".", 1)[-1] == value}
        if len(found) > 1:
            raise UsageError(f"selection '{item}' is ambiguous: {', '.join(sorted(found))}; name the table")
    if not found:
        raise UsageError(f"unknown selection '{item}': no SQL file of the project makes '{value}'"
                         if not kind and not any(c in value for c in "*?[") else
                         f"unknown selection '{item}': it names no SQL file of the project")
    return found


def _graph(files: Mapping[str, SqlFile]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per target: the project targets it reads, and those that read it (a table reading itself is no edge)."""
    upstream = {t: {i for i in f.inputs if i in files and i != t} for t, f in files.items()}
    downstream: dict[str, set[str]] = {t: set() for t in files}
    for t, deps in upstream.items():
        for d in deps:
            downstream[d].add(t)
    return upstream, downstream


@contextlib.contextmanager
def _blaming(path: str) -> Iterator[None]:
    """Re-raise a lakekit error as a :class:`ProjectFileError` naming ``path``, keeping line and column."""
    try:
        yield
    except ProjectFileError:
        raise
    except SqlError as e:
        raise ProjectFileError(path, str(e), line=e.line, col=e.col) from e
    except LakekitError as e:
        raise ProjectFileError(path, str(e)) from e
