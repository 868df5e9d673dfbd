"""Read-only SQL over lake tables, run by DuckDB's own Parquet reader over pinned Delta versions.

A query is parsed by sqlglot in its own dialect. Every reference to a lake table
(``namespace.name``; a catalog or BigQuery project in front is ignored) is pinned to one
version: the one its time-travel clause names, else the caller's ``versions``, else the
latest. The reference is then renamed to a DuckDB view over that version's Parquet files
(:mod:`lakekit.storage.engine`: projection and filter pushdown, row groups skipped by their
statistics), keeping its alias, and the statement is transpiled to DuckDB. Time-travel forms understood:

- Spark, Databricks, Delta: ``VERSION AS OF n``, ``TIMESTAMP AS OF ts``
- DuckDB: ``FOR VERSION AS OF n``, ``FOR TIMESTAMP AS OF ts``, ``AT (VERSION => n)``
- Snowflake: ``AT``/``BEFORE`` with ``VERSION => n``, ``TIMESTAMP => ts``, ``OFFSET => -seconds``
- BigQuery: ``FOR SYSTEM_TIME AS OF ts``

Only one query (SELECT, set operations, CTEs, LATERAL joins) is accepted, and it reads only
lake tables and rows it makes itself (``generate_series``, ``range``, ``unnest``): the DuckDB
database reaches no file outside the tables' folders and no Python variable. Before it is
translated, :mod:`.conform` keeps the source dialect's values and types where sqlglot's
translation would change them, or refuses the construct; a BigQuery query's rows take BigQuery's
types (:func:`widened`).
Errors name tables, columns and positions, never data values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

import duckdb
import pyarrow as pa
from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from lakekit.core.results import Explained
from lakekit.errors import SqlError, TableNotFound, UsageError, VersionNotFound, masked
from lakekit.index import views
from lakekit.lineage.names import get_dialect
from lakekit.lineage.parse import parse_one
from lakekit.storage import engine
from lakekit.storage.delta import Storage
from lakekit.storage.fileset import FileSet, remembered
from lakekit.transform.conform import conform

DEFAULT_DIALECT = "duckdb"
_TARGET = "duckdb"
_BATCH_ROWS = 65_536
_SQL_TYPES: dict[type, str] = {int: "BIGINT", float: "DOUBLE", datetime: "TIMESTAMPTZ"}
_T = TypeVar("_T", int, float, datetime)
_MISSING_COLUMN = (
    re.compile(r'Referenced column "([^"]+)" not found'),
    re.compile(r'does not have a column named "([^"]+)"'),
)
_ROW_GENERATORS = (exp.GenerateSeries, exp.ExplodingGenerateSeries, exp.GenerateDateArray,
                   exp.GenerateTimestampArray)
_GENERATOR_NAMES = {"range", "generate_series"}
_VOLATILE = (exp.CurrentDate, exp.CurrentDatetime, exp.CurrentTime, exp.CurrentTimestamp, exp.CurrentTimestampLTZ,
             exp.Localtime, exp.Localtimestamp, exp.Rand, exp.Randn, exp.Randstr, exp.Uuid, exp.Seq1, exp.Seq2,
             exp.Seq4, exp.Seq8)
_VOLATILE_NAMES = {"now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday", "today",
                   "get_current_timestamp", "sysdatetime", "sysdatetimeoffset", "getutcdate", "newid", "setseed"}
_MISSING_ALIAS = re.compile(r'Referenced table "([^"]+)" not found')
_DUCKDB_ERROR = re.compile(r"[A-Z][A-Za-z ]* Error: ")
"""How a DuckDB error reads once Arrow's stream of its rows passed it on (as an ``OSError``)."""
_NAMED = (re.compile(r"with name (\w+)"), re.compile(r'near "([^"]+)"'), re.compile(r'"(\w+)"'))
"""Where a DuckDB message names the word it is about (a function, a token, an identifier)."""
_LITERALS = {TokenType.STRING, TokenType.NUMBER, TokenType.NATIONAL_STRING, TokenType.HEREDOC_STRING,
             TokenType.RAW_STRING, TokenType.BYTE_STRING, TokenType.BIT_STRING, TokenType.HEX_STRING}


@dataclass(frozen=True)
class Relation:
    """One pinned input: DuckDB relation ``name`` is ``table`` at ``version``."""

    name: str
    table: str
    version: int


@dataclass(frozen=True)
class Prepared:
    """A query ready to run: its DuckDB SQL and the pinned inputs it reads.

    ``sql`` and ``dialect`` are the query as given, kept to point errors at its text.
    """

    sql: str
    dialect: str
    duckdb_sql: str
    relations: tuple[Relation, ...]
    scans: Mapping[str, FileSet] = field(default_factory=dict, compare=False, repr=False)
    """Relation name → the pinned version's files."""
    volatile: bool = False
    """The query reads the clock or a random source: run again over the same inputs, it may give
    other rows (:func:`volatile`)."""
    statement: str = ""
    """The statement as the user wrote it (a transform's CREATE … AS, not only its query), for
    positions in errors; empty: ``sql``."""
    views: Mapping[str, str] = field(default_factory=dict)
    """Relation name → the view of lakekit's records it reads (:mod:`lakekit.index.views`)."""
    tree: exp.Expr | None = field(default=None, compare=False, repr=False)
    """The query as parsed, each lake table named by its relation, not yet conformed: what another
    engine conforms for itself and generates its dialect from (:mod:`lakekit.transform.engines`)."""
    types: Mapping[str, Mapping[str, pa.DataType]] = field(default_factory=dict, compare=False, repr=False)
    """Source alias → its columns' Arrow types, for :func:`~lakekit.transform.conform.conform`."""

    @property
    def source(self) -> str:
        return self.statement or self.sql

    def explained(self, target: str | None = None) -> Explained:
        """The query as DuckDB runs it, with its pinned inputs."""
        return Explained(self.source, self.dialect, self.duckdb_sql, self.inputs, target,
                         {r.name: r.table for r in self.relations})

    @property
    def inputs(self) -> dict[str, tuple[int, ...]]:
        """Table → the versions read (more than one when a query joins versions of a table)."""
        pins: dict[str, set[int]] = {}
        for r in self.relations:
            pins.setdefault(r.table, set()).add(r.version)
        return {table: tuple(sorted(vs)) for table, vs in sorted(pins.items())}


def input_tables(sql: str, dialect: str | None = None) -> list[str]:
    """The lake tables one statement reads, sorted; the target of a CTAS, INSERT or MERGE is left out.

    >>> input_tables("WITH u AS (SELECT * FROM raw.users) SELECT * FROM u JOIN `p.raw.ips` USING (ip)", "bigquery")
    ['raw.ips', 'raw.users']
    >>> input_tables("INSERT INTO clean.users SELECT * FROM raw.users")
    ['raw.users']
    """
    tree = parse_one(sql, dialect or DEFAULT_DIALECT)
    target = tree.this if isinstance(tree, exp.Insert | exp.Create | exp.Merge) else None
    if isinstance(target, exp.Schema):
        target = target.this
    return sorted({name for node, name in _lake_references(tree) if node is not target})


def prepare(storage: Storage, sql: str, *, dialect: str | None = None,
            versions: Mapping[str, int] | None = None, statement: str = "", with_views: bool = False,
            parsed: exp.Expr | None = None) -> Prepared:
    """Pin every lake table the query reads and rewrite the query into DuckDB SQL over them.

    A time-travel clause on a reference wins over ``versions``; ``versions`` naming a table
    the query does not read is a usage error (most likely a typo). ``with_views``: the names of
    :data:`lakekit.index.views.VIEWS` read those views, as they are now (no time travel).
    ``parsed``: ``sql`` already parsed, which this rewrites in place instead of parsing ``sql`` again.
    """
    dialect = dialect or DEFAULT_DIALECT
    tree = parsed if parsed is not None else parse_one(sql, dialect)
    writes = tree if not isinstance(tree, exp.Query) else tree.find(exp.Into, exp.DML, exp.DDL, exp.Command)
    if writes is not None:
        raise UsageError(f"only a read-only query (SELECT) can run here, not {writes.key.upper()}")
    references = _lake_references(tree)
    unread = sorted(set(versions or {}) - {name for _, name in references})
    if unread:
        raise UsageError(f"versions given for tables the query does not read: {', '.join(unread)}")
    unaliased = {name for node, name in references if not node.alias}
    pins = _Pins(storage, dict(versions or {}))
    relations: dict[str, Relation] = {}
    read_views: dict[str, str] = {}
    types: dict[str, dict[str, pa.DataType]] = {}
    try:
        for node, table in references:
            if table in views.VIEWS:
                if not with_views:
                    raise views.unpinned(table)
                read_views[_view(node, table, versions or {})] = table
                types[node.alias] = {f.name: f.type for f in views.VIEWS[table][0]}
                continue
            version = pins.version(table, node)
            relation = Relation(f"{table}@v{version}", table, version)
            relations[relation.name] = relation
            _rename(node, relation.name)
            files = pins.opened.get((table, version))
            if files is not None:
                types[node.alias] = {f.name: f.type for f in files.schema}
        scans = {r.name: pins.opened.get((r.table, r.version)) or remembered(storage, r.table, r.version)
                 for r in relations.values()}
    finally:
        pins.close()
    _unqualify_columns(tree, unaliased)
    unconformed = tree.copy()
    conform(tree, dialect, types)
    return Prepared(sql, dialect, tree.sql(dialect=_TARGET), tuple(relations.values()), scans, volatile(tree),
                    statement, read_views, unconformed, types)


def _view(node: exp.Table, table: str, versions: Mapping[str, int]) -> str:
    """Point ``node`` at the view ``table``; its relation name. A view has no versions to travel to."""
    if node.args.get("version") or node.args.get("when") or table in versions:
        raise views.timeless(table)
    _rename(node, f"{table}@now")
    return f"{table}@now"


def volatile(tree: exp.Expr) -> bool:
    """The query reads the current date or time, a random number or a UUID.

    >>> volatile(parse_one("SELECT * FROM t WHERE day > CURRENT_DATE - 30", "snowflake"))
    True
    >>> volatile(parse_one("SELECT now(), 1", "postgres")), volatile(parse_one("SELECT lower(x) FROM t", "duckdb"))
    (True, False)
    """
    return any(isinstance(node, _VOLATILE) or (isinstance(node, exp.Anonymous) and node.name.lower() in _VOLATILE_NAMES)
               for node in tree.find_all(exp.Func))


def execute(storage: Storage, prepared: Prepared, *, batch_rows: int = _BATCH_ROWS,
            scans: Mapping[str, FileSet] | None = None) -> pa.RecordBatchReader:
    """Run a prepared query; rows stream out in batches (the DuckDB connection closes with the reader).

    ``scans`` replaces the files of some relations (by :attr:`Relation.name`), e.g. with only
    the files a version added.
    """
    con = engine.connect(storage, {**prepared.scans, **(scans or {})})
    try:
        for name, view in prepared.views.items():
            con.register(name, views.VIEWS[view][1](storage))
        reader = con.sql(prepared.duckdb_sql).to_arrow_reader(batch_rows)
    except duckdb.Error as e:
        con.close()
        raise _engine_error(e, prepared) from None
    except BaseException:
        con.close()
        raise
    schema = widened(reader.schema, prepared.dialect)
    batches = _stream(con, reader, prepared)
    if schema != reader.schema:
        batches = (batch.cast(schema) for batch in batches)
    return pa.RecordBatchReader.from_batches(schema, batches)


def widened(schema: pa.Schema, dialect: str) -> pa.Schema:
    """The types of a query's columns as its dialect has them: BigQuery has one integer type and one
    float type, INT64 and FLOAT64 (DuckDB gives ``1`` an INTEGER, ``ABS`` of it too).

    >>> widened(pa.schema({"a": pa.int32(), "b": pa.float32(), "c": pa.string()}), "bigquery").types
    [DataType(int64), DataType(double), DataType(string)]
    """
    if dialect != "bigquery":
        return schema
    return pa.schema([f.with_type(pa.int64()) if pa.types.is_integer(f.type)
                      else f.with_type(pa.float64()) if pa.types.is_floating(f.type) else f for f in schema])


def described(storage: Storage, prepared: Prepared) -> pa.Schema | None:
    """The Arrow schema of the query's rows as DuckDB gives them, planned but not run (reading only
    the inputs' footers); ``None`` when DuckDB cannot plan it. Another engine's output takes these
    types, so a table is the same whichever engine made it."""
    try:
        con = engine.connect(storage, prepared.scans)
    except duckdb.Error:
        return None
    try:
        for name, view in prepared.views.items():
            con.register(name, views.VIEWS[view][1](storage))
        return widened(con.sql(f"SELECT * FROM ({prepared.duckdb_sql}) LIMIT 0").to_arrow_table().schema,
                       prepared.dialect)
    except duckdb.Error:
        return None
    finally:
        con.close()


def explain(storage: Storage, sql: str, *, dialect: str | None = None,
            versions: Mapping[str, int] | None = None) -> Explained:
    """The query as DuckDB would run it, with its pinned inputs; runs nothing."""
    return prepare(storage, sql, dialect=dialect, versions=versions, with_views=True).explained()


def query(storage: Storage, sql: str, *, dialect: str | None = None,
          versions: Mapping[str, int] | None = None, engine: Runner | None = None) -> pa.Table:
    """Prepare and run ``sql`` (on ``engine``, default DuckDB); all rows as one Arrow table."""
    prepared = prepare(storage, sql, dialect=dialect, versions=versions, with_views=True)
    return (engine.rows(storage, prepared) if engine is not None else execute(storage, prepared)).read_all()


class Runner(Protocol):
    """The part of an engine (:class:`lakekit.transform.engines.Engine`) a read-only query needs."""

    def rows(self, storage: Storage, prepared: Prepared) -> pa.RecordBatchReader: ...


def _lake_references(tree: exp.Expr) -> list[tuple[exp.Table, str]]:
    """Every table node naming a lake table, with its ``ns.name``; other sources are refused."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    found = []
    for node in tree.find_all(exp.Table):
        if isinstance(node.this, _ROW_GENERATORS) or (isinstance(node.this, exp.Anonymous)
                                                      and node.this.name.lower() in _GENERATOR_NAMES):
            continue  # generate_series / range: rows made of values, no file read
        if not isinstance(node.this, exp.Identifier):
            what = node.this.name if isinstance(node.this, exp.Anonymous) else node.this.sql().split("(")[0]
            raise UsageError(f"only lake tables and generate_series / range / unnest can be read, "
                             f"not the table function {what.lower()}")
        parts = ".".join(part.name for part in node.parts).lower().split(".")
        if len(parts) == 1 and parts[0] in ctes:
            continue
        if len(parts) == 1:
            raise TableNotFound(parts[0])
        found.append((node, ".".join(parts[-2:])))
    return found


class _Pins:
    """Resolves each reference's version; the latest version of a table is read once per query."""

    def __init__(self, storage: Storage, versions: dict[str, int]) -> None:
        self.storage = storage
        self.versions = versions
        self.latest: dict[str, int] = {}
        self.opened: dict[tuple[str, int], FileSet] = {}
        self.con: duckdb.DuckDBPyConnection | None = None

    def close(self) -> None:
        if self.con is not None:
            self.con.close()

    def version(self, table: str, node: exp.Table) -> int:
        version, when = node.args.get("version"), node.args.get("when")
        if isinstance(version, exp.Version):
            if version.text("kind").upper() != "AS OF":
                raise UsageError(f"'{table}': only AS OF time travel is supported, not {version.text('kind')}")
            return self._resolve(table, "AT", version.name.upper(), version.expression)
        if isinstance(when, exp.HistoricalData):
            return self._resolve(table, when.name.upper(), when.text("kind").upper(), when.expression)
        if table in self.versions:
            return self._check(table, self.versions[table])
        if table not in self.latest:
            self.latest[table] = self._opened(remembered(self.storage, table))
        return self.latest[table]

    def _resolve(self, table: str, point: str, kind: str, value: exp.Expr | None) -> int:
        """``point`` AT (inclusive) or BEFORE (exclusive) the version, timestamp or offset ``value``."""
        if value is None:
            raise SqlError(f"time travel on '{table}' names no version, timestamp or offset")
        before = point == "BEFORE"
        if kind == "VERSION":
            version: int = value.to_py() if value.is_int else self._constant(table, value, int)  # `3` needs no DuckDB
            return self._check(table, version - 1 if before else version)
        if kind == "TIMESTAMP":
            when = self._constant(table, value, datetime)
        elif kind == "OFFSET":
            seconds = self._constant(table, value, float)
            try:
                when = datetime.now(UTC) + timedelta(seconds=seconds)
            except (OverflowError, ValueError):
                raise VersionNotFound(table, "version at that offset") from None
        else:
            raise UsageError(f"'{table}': time travel by {kind} is not supported; use a version, timestamp or offset")
        return self.storage.version_at(table, when, before=before)

    def _check(self, table: str, version: int) -> int:
        if version < 0:
            raise VersionNotFound(table, f"version {version}")
        return self._opened(remembered(self.storage, table, version))

    def _opened(self, files: FileSet) -> int:
        """Keep a version's files for its scan; its number."""
        self.opened[(files.table, files.version)] = files
        return files.version

    def _constant(self, table: str, value: exp.Expr, kind: type[_T]) -> _T:
        """The value of a constant expression cast to ``kind``, computed by DuckDB (never by Python's eval)."""
        if value.find(exp.Column, exp.Query, exp.Table, exp.Placeholder, exp.Parameter):
            raise SqlError(f"time travel on '{table}' needs a constant, not a column, query or parameter")
        if self.con is None:
            self.con = _connect()
        sql_type = _SQL_TYPES[kind]
        try:
            result = self.con.sql(exp.select(exp.cast(value.copy(), sql_type)).sql(dialect=_TARGET)).fetchall()[0][0]
        except duckdb.Error as e:
            raise SqlError(f"time travel on '{table}' is not a valid {sql_type.lower()}: {masked(str(e))}") from None
        if not isinstance(result, kind):
            raise SqlError(f"time travel on '{table}' is NULL")
        return result


def _rename(node: exp.Table, relation: str) -> None:
    """Point a table node at its DuckDB relation; an unaliased one keeps its name as alias."""
    if not node.alias:
        node.set("alias", exp.TableAlias(this=exp.to_identifier(node.name)))
    for arg in ("db", "catalog", "version", "when"):
        node.set(arg, None)
    node.set("this", exp.to_identifier(relation, quoted=True))


def _unqualify_columns(tree: exp.Expr, tables: set[str]) -> None:
    """``ns.name.col`` → ``name.col``: the namespace is gone once the table is a relation."""
    for column in tree.find_all(exp.Column):
        if column.args.get("db") is not None and f"{column.text('db')}.{column.table}".lower() in tables:
            column.set("db", None)
            column.set("catalog", None)


def _connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB that can reach no file and no Python variable, in UTC.

    Its progress bar is off: DuckDB draws it on stdout, where ``--json`` output goes.
    """
    con = duckdb.connect(config={"enable_external_access": False, "python_enable_replacements": False})
    con.sql("SET TimeZone = 'UTC'")
    con.sql("SET enable_progress_bar = false")
    return con


def _stream(con: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader,
            prepared: Prepared) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except duckdb.Error as e:
        raise _engine_error(e, prepared) from None
    except OSError as e:  # a failure met computing a batch (an overflow) comes through Arrow
        if not _DUCKDB_ERROR.match(str(e)):
            raise
        raise _engine_error(e, prepared) from None
    finally:
        con.close()


def _engine_error(error: duckdb.Error | OSError, prepared: Prepared) -> SqlError | TableNotFound:
    """A DuckDB failure as a lakekit error that names the statement, the dialect, and the word of
    the user's SQL it is about, with its line and column there; it quotes no value."""
    message = str(error)
    for pattern in _MISSING_COLUMN:
        found = pattern.search(message)
        if found:
            line, col = _position(prepared, found.group(1))
            return SqlError(f"unknown column '{found.group(1)}'", sql=prepared.source, line=line, col=col,
                            column=found.group(1))
    found = _MISSING_ALIAS.search(message)
    if found:
        return SqlError(f"unknown table or alias '{found.group(1)}'", sql=prepared.source)
    for pattern in _NAMED:
        named = pattern.search(message)
        line, col = _position(prepared, named.group(1)) if named else (None, None)
        if named and line is not None:
            return SqlError(f"statement 1: DuckDB cannot run this {prepared.dialect} SQL at `{named.group(1)}` "
                            f"({masked(message)}); explain=True shows the SQL as DuckDB runs it",
                            sql=prepared.source, line=line, col=col)
    return SqlError(f"statement 1: DuckDB cannot run this {prepared.dialect} SQL ({masked(message)}); "
                    "explain=True shows the SQL as DuckDB runs it", sql=prepared.source)


def _position(prepared: Prepared, name: str) -> tuple[int | None, int | None]:
    """Line and column of the first word ``name`` (an identifier or keyword, never a literal) in
    the SQL as the user wrote it."""
    text = prepared.source
    try:
        tokens = get_dialect(prepared.dialect).tokenize(text)
    except TokenError:
        return None, None
    for token in tokens:
        if token.token_type not in _LITERALS and token.text.lower() == name.lower():
            line_start = text.rfind("\n", 0, token.start) + 1
            return text.count("\n", 0, token.start) + 1, token.start - line_start + 1
    return None, None
