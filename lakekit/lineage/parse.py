"""Pass 1: split SQL into statements and find each one's target table and query.

:func:`parse_sql` is lakekit's one way to parse SQL, for lineage, transforms and queries alike:
sqlglot's tokenizer and parser in the given dialect, and every failure translated into a
:class:`~lakekit.errors.SqlError` that names the statement, line and column and the token near
it (never the SQL text around it, whose literals may be personal data).

Every statement that writes data becomes a :class:`Statement`: the table it writes, the
query that computes the rows, and how the query's outputs map onto target columns.
``CREATE TABLE|VIEW … AS`` (a column list renames the outputs one by one), ``INSERT
[INTO|OVERWRITE] … SELECT`` (with or without a column list), ``SELECT … INTO t`` and plain
queries map positionally; a plain query writes ``target``, or :data:`QUERY_TARGET` when none
is given (in a script, whose queries return rows to its caller, it writes nothing). ``MERGE``,
``UPDATE`` and ``DELETE`` are rewritten into the queries that compute their rows (:mod:`.dml`);
the statements inside procedure bodies and scripting blocks are read as statements of their
own (:mod:`.script`). Statements that move no data (``USE``, ``SET``,
``DROP``, ``DECLARE``, bare ``CREATE``…) are skipped; DuckDB's ``PIVOT`` statement is refused
rather than half-understood.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from lakekit.errors import SqlError, UsageError, masked
from lakekit.lineage import dml, script
from lakekit.lineage.catalog import Catalog
from lakekit.lineage.dml import Condition
from lakekit.lineage.grammar import parser_for
from lakekit.lineage.names import get_dialect, normalize_names, table_name

_SNIPPET = 60
MAX_NESTING = 32
"""Deepest nesting of parentheses, brackets and CASE expressions lakekit parses."""
TOO_DEEP = f"SQL nested deeper than {MAX_NESTING} levels (parentheses, brackets, CASE)"
_OPENS = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE}
_CLOSES = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END}
PIVOT_STATEMENT = "DuckDB's PIVOT / UNPIVOT statement is not supported: write SELECT … FROM t PIVOT (…)"
_PIVOT_TOKENS = {TokenType.PIVOT, TokenType.UNPIVOT}
_GO_LINE = re.compile(r"^[ \t]*(?P<go>GO)(?:[ \t]+\d+)?[ \t]*;?[ \t]*$", re.IGNORECASE | re.MULTILINE)


def _no_sql_text(record: logging.LogRecord) -> bool:
    """sqlglot logs the text of a statement it reads as a command; its literals may be personal data."""
    return "contains unsupported syntax" not in str(record.msg)


logging.getLogger("sqlglot").addFilter(_no_sql_text)
QUERY_TARGET = "<query>"
"""The target table of a plain query when the caller names none: its edges end in
``<query>.column``."""
OnError = Callable[[SqlError], None]
"""Told of each statement that cannot be read, instead of raising (``errors="warn"``)."""


class LineageWarning(UserWarning):
    """What lineage left out: a statement ``column_lineage(..., errors="warn")`` could not analyse,
    or a column it could only guess the table of. The message says why."""


@dataclass(frozen=True)
class Statement:
    """One data-producing statement: ``query`` computes the rows written to ``target``.

    ``columns[i]`` names the target column of query output ``i`` (``None``: not a value,
    e.g. a MERGE condition); ``columns is None`` means "the query's own output names".
    """

    index: int
    text: str
    target: str
    query: exp.Query
    columns: tuple[str | None, ...] | None = None
    conditions: tuple[Condition, ...] = ()
    variables: frozenset[str] = frozenset()
    """Names the script DECLAREd (or its routine takes as parameters) before this statement:
    variables, not columns."""
    creates: bool = False
    """The statement creates ``target`` (CREATE … AS, SELECT … INTO) with the query's columns."""

    def where(self) -> str:
        """``statement N (writing T)`` for error messages: never the SQL text, whose literals may be personal data."""
        return f"statement {self.index}" + (f" (writing {self.target})" if self.target else "")


def parse_statements(sql: str, dialect: str | None, catalog: Catalog, target: str | None, *,
                     names: Dialect | None = None, on_error: OnError | None = None) -> Iterator[Statement]:
    """Parse ``sql`` and yield its data-producing statements, in order, names spelled by the
    rules of ``names`` (default: ``dialect``'s). With ``on_error``, a statement that cannot be
    read is reported to it and left out; without, its error is raised. ``catalog`` is read as
    each statement is yielded: a caller may add the tables the script creates as it goes.

    >>> [s.target for s in parse_statements("CREATE TABLE a.B AS SELECT 1 AS x; USE y; SELECT 2 AS z", None, {}, None)]
    ['a.b', '<query>']
    """
    dialect_obj = get_dialect(dialect)
    variables: set[str] = set()
    routines: dict[str, list[exp.Query]] = {}  # a procedure the script created → its result sets
    trees = _trees(sql, dialect, on_error)
    for index, text, tree in trees:
        try:
            if _is_pivot_statement(tree, dialect_obj):
                raise SqlError(f"statement {index}: {PIVOT_STATEMENT}", sql=text)
            if isinstance(tree, exp.Create) and isinstance(tree.this, exp.UserDefinedFunction | exp.StoredProcedure):
                variables.update(p.name.lower() for p in tree.this.expressions if isinstance(p, exp.ColumnDef))
            if script.is_script(tree):
                inner = script.inner_statements(tree, dialect_obj, lambda body: _parse_inner(body, dialect, on_error))
                name = script.routine_name(tree, dialect_obj)
                if name is not None:
                    routines[name] = script.result_sets(inner)
            elif isinstance(tree, exp.MultitableInserts):
                inner = list(dml.multitable(tree))
            else:
                inner = [tree]
            for part in [written for each in inner for run in script.executed(each, routines)
                         for written in [run, *dml.output_into(run)]]:
                _named_by_strings(part, dialect_obj)
                normalize_names(part, names or dialect_obj)
                if isinstance(part, exp.Declare):
                    variables.update(name.name for item in part.expressions for name in _declared(item))
                statement = _statement(part, index, text, catalog, target or QUERY_TARGET)
                if statement is not None:
                    yield replace(statement, variables=frozenset(variables))
        except SqlError as e:
            if on_error is None:
                raise
            on_error(e)


def _named_by_strings(tree: exp.Expr, dialect: Dialect) -> None:
    """Snowflake's ``IDENTIFIER('s.t')`` naming a table or column by a string: that table or column
    (``IDENTIFIER($v)``, named by a variable, is left alone: only a run tells).

    >>> tree = parse_one("INSERT INTO IDENTIFIER('m.x') SELECT IDENTIFIER('a') FROM IDENTIFIER('s.t')", "snowflake")
    >>> _named_by_strings(tree, get_dialect("snowflake")); tree.sql("snowflake")
    'INSERT INTO m.x SELECT a FROM s.t'
    """
    for node in list(tree.find_all(exp.DynamicIdentifier)):
        text = node.this
        if not isinstance(text, exp.Literal) or not text.is_string:
            continue
        if isinstance(node.parent, exp.Table) and node.arg_key == "this":
            table, named = node.parent, exp.to_table(text.name, dialect=dialect)
            for part in ("this", "db", "catalog"):
                table.set(part, named.args.get(part))
        else:
            node.replace(exp.to_column(text.name, dialect=dialect))


def _parse_inner(body: str, dialect: str | None, on_error: OnError | None) -> list[exp.Expr]:
    """The statements of one statement's text inside a script; with ``on_error``, one that does not
    parse is reported there and the script's other statements are read on."""
    try:
        return parse_sql(body, dialect)[0]
    except SqlError as e:
        if on_error is None:
            raise
        on_error(e)
        return []


def _trees(sql: str, dialect: str | None, on_error: OnError | None) -> list[tuple[int, str, exp.Expr]]:
    """``(statement number, excerpt, tree)`` of each statement (see :func:`_parsed`). In T-SQL a
    ``CREATE PROCEDURE`` or ``FUNCTION`` is the whole of its batch (up to a ``GO`` line): its body
    is read as script text, where sqlglot's parse loses statements (``BEGIN TRY`` … ``END CATCH``)."""
    batches = _routine_batches(sql, dialect)
    if batches is None:
        return _parsed(sql, dialect, on_error)
    found: list[tuple[int, str, exp.Expr]] = []
    for start, end in batches:
        if script.is_script_text(sql[start:end]):
            found.append((len(found) + 1, _excerpt(sql, start, end), exp.Command(this=sql[start:end])))
            continue
        alone = "".join(c if c in ";\n" else " " for c in sql[:start]) + sql[start:end]
        found.extend((len(found) + 1, text, tree) for _, text, tree in _parsed(alone, dialect, on_error))
    return found


def _routine_batches(sql: str, dialect: str | None) -> list[tuple[int, int]] | None:
    """T-SQL text creating a routine: ``(start, end)`` of each batch, else ``None``."""
    dialect_obj = get_dialect(dialect)
    if type(dialect_obj).__name__.lower() != "tsql":
        return None
    bounds = [0]
    for line in _GO_LINE.finditer(sql):
        if _outside_text(sql[:line.start("go")], dialect_obj):
            bounds.extend((line.start("go"), line.end()))
    bounds.append(len(sql))
    batches = [(start, end) for start, end in zip(bounds[::2], bounds[1::2], strict=True) if sql[start:end].strip()]
    return batches if any(script.is_script_text(sql[start:end]) for start, end in batches) else None


def _outside_text(before: str, dialect: Dialect) -> bool:
    """``before`` ends outside a string, a quoted name and a comment: it reads as whole tokens. (GO
    is found on its line, not among the tokens: sqlglot reads the text after T-SQL's ``END`` up to
    a ``;`` as one token.)"""
    try:
        dialect.tokenize(before)
    except TokenError:
        return False
    return True


def _parsed(sql: str, dialect: str | None, on_error: OnError | None) -> list[tuple[int, str, exp.Expr]]:
    """``(statement number, excerpt, tree)`` of each statement. SQL that does not parse as a whole,
    or holds a T-SQL ``IF`` / ``WHILE`` (sqlglot's parse of one without ``BEGIN`` takes the rest of
    the script as its body and loses a statement of it), is parsed statement by statement: one
    that fails is read as script text when it opens with a scripting keyword (``IF … THEN``,
    ``LOOP``, ``CREATE PROCEDURE``…), in a script when it writes nothing (``SELECT
    SQL%ROWCOUNT``), and in T-SQL also when it writes nothing, holds several statements with no
    ``;`` between them, or an ``IF`` / ``WHILE``; another is reported to ``on_error``, or raised
    without it."""
    try:
        trees, tokens, _ = parse_sql(sql, dialect)
        if not _misread_control(trees, dialect):
            texts = [_excerpt(sql, start, end) for start, end in _statement_spans(tokens)]
            return [(index, texts[index - 1] if len(texts) >= index else "", tree)
                    for index, tree in enumerate(trees, start=1)]
    except SqlError:
        pass
    found: list[tuple[int, str, exp.Expr]] = []
    spans = _statement_spans(tokenize(sql, get_dialect(dialect)))
    scripted = any(script.is_script_text(sql[start:end]) for start, end in spans)
    free = script.needs_no_semicolons(get_dialect(dialect))
    for index, (start, end) in enumerate(spans, start=1):
        # Earlier text blanked, semicolons and line breaks kept: positions stay those of ``sql``.
        alone = "".join(c if c in ";\n" else " " for c in sql[:start]) + sql[start:end]
        try:
            parsed = parse_sql(alone, dialect)[0]
            if _misread_control(parsed, dialect):
                parsed = [exp.Command(this=sql[start:end])]
        except SqlError as e:
            text = sql[start:end]
            if script.is_script_text(text) or ((scripted or free) and not script.writes(text)) or (
                    free and _several(text, get_dialect(dialect))):
                parsed = [exp.Command(this=sql[start:end])]  # IF … THEN INSERT …: read as a script
            elif on_error is None:
                raise
            else:
                on_error(e)
                continue
        found.extend((index, _excerpt(sql, start, end), tree) for tree in parsed)
    return found


def _misread_control(trees: list[exp.Expr], dialect: str | None) -> bool:
    """T-SQL ``IF`` / ``WHILE`` among the trees: read from the text instead (see :func:`_parsed`)."""
    return script.needs_no_semicolons(get_dialect(dialect)) and any(
        isinstance(tree, exp.IfBlock | exp.WhileBlock) for tree in trees)


def _several(text: str, dialect: Dialect) -> bool:
    """Text holding more than one data statement, not separated by ``;`` (T-SQL)."""
    return len(script.statements_in(text, dialect, lambda _: [exp.Null()])) > 1


def parse_sql(sql: str, dialect: str | None) -> tuple[list[exp.Expr], list[Token], Dialect]:
    """The statements of ``sql`` (empty ones dropped), its tokens, and the dialect that read them.

    >>> parse_sql("SELECT 1; SELECT a FROM t WHERE (a", "duckdb")
    Traceback (most recent call last):
    lakekit.errors.SqlError: cannot parse SQL in statement 2: Expecting ) near `a` at line 1, column 34
    """
    dialect_obj = get_dialect(dialect)
    tokens = tokenize(sql, dialect_obj)
    try:
        trees = _parse_tokens(tokens, sql, dialect_obj)
    except ParseError as e:
        raise _parse_error(e, sql, tokens) from None
    except RecursionError:
        raise SqlError(TOO_DEEP, sql=sql) from None
    return [t for t in trees if t is not None], tokens, dialect_obj


def _parse_tokens(tokens: list[Token], sql: str, dialect: Dialect) -> list[exp.Expr | None]:
    """sqlglot's parse of ``tokens``. In T-SQL a statement needs no ``;`` after it: where the parser
    stops short of the end at a word that opens a statement, the statement before it ended there,
    so a ``;`` is put before that word and the tokens parsed again.

    >>> tsql = get_dialect("tsql")
    >>> sql = "UPDATE t SET a = 1 WHERE b = 2 SELECT @n = COUNT(*) FROM t SELECT c FROM u"
    >>> [tree.key for tree in _parse_tokens(tokenize(sql, tsql), sql, tsql)]
    ['update', 'select', 'select']
    """
    parser = parser_for(dialect)
    while True:
        try:
            return parser.parse(tokens, sql)
        except ParseError as e:
            at = _unended(e, tokens) if script.needs_no_semicolons(dialect) else None
            if at is None:
                raise
            before = tokens[at]
            tokens = [*tokens[:at], Token(TokenType.SEMICOLON, ";", before.line, before.col, before.start,
                                          before.start), *tokens[at:]]


def _unended(error: ParseError, tokens: list[Token]) -> int | None:
    """Index of the token a statement with no ``;`` after it stopped at, when that token opens a
    statement and follows one; else ``None``."""
    first = error.errors[0] if error.errors else {}
    if first.get("description") != "Invalid expression / Unexpected token":
        return None
    at = next((i for i, token in enumerate(tokens) if (token.line, token.col) == (first.get("line"), first.get("col"))),
              None)
    if not at or tokens[at - 1].token_type == TokenType.SEMICOLON:
        return None
    return at if tokens[at].text.upper() in script.OPENING else None


def parse_one(sql: str, dialect: str | None) -> exp.Expr:
    """The one statement ``sql`` holds; more or fewer is a usage error.

    >>> parse_one("SELECT 1; SELECT 2", "duckdb")
    Traceback (most recent call last):
    lakekit.errors.UsageError: expected one SQL statement, got 2
    """
    trees = parse_sql(sql, dialect)[0]
    if len(trees) != 1:
        raise UsageError(f"expected one SQL statement, got {len(trees)}")
    return trees[0]


def tokenize(sql: str, dialect: Dialect) -> list[Token]:
    """The tokens of ``sql``; SQL nested deeper than :data:`MAX_NESTING` is refused before it is
    parsed (sqlglot's parser recurses about twenty frames per level: ~45 levels exhaust Python's
    stack).

    >>> len(tokenize("SELECT (1)", get_dialect("duckdb")))
    4
    >>> tokenize("SELECT " + "(" * 40 + "1" + ")" * 40, get_dialect("duckdb"))
    Traceback (most recent call last):
    ...
    lakekit.errors.SqlError: SQL nested deeper than 32 levels (parentheses, brackets, CASE) at line 1, column 40
    """
    try:
        tokens = dialect.tokenize(sql)
    except TokenError as e:
        raise SqlError(f"cannot read SQL: {masked(str(e))}", sql=sql) from None
    depth = 0
    for token in tokens:
        if token.token_type in _OPENS:
            depth += 1
            if depth > MAX_NESTING:
                raise SqlError(TOO_DEEP, sql=sql, line=token.line, col=token.col)
        elif token.token_type in _CLOSES:
            depth = max(depth - 1, 0)
    return tokens


def _is_pivot_statement(tree: exp.Expr, dialect: Dialect) -> bool:
    """DuckDB's ``PIVOT t ON …`` statement: parsed alone, or left unparsed inside ``CREATE … AS``."""
    if isinstance(tree, exp.Command):
        return bool(_PIVOT_TOKENS & {token.token_type for token in dialect.tokenize(str(tree.expression))})
    return isinstance(tree, exp.Pivot)


def _statement(tree: exp.Expr, index: int, text: str, catalog: Catalog, target: str) -> Statement | None:
    where = f"statement {index}"
    if isinstance(tree, exp.Query):
        into = tree.args.get("into")
        if isinstance(into, exp.Into) and isinstance(into.this, exp.Table):  # SELECT … INTO t
            query = tree.copy()
            query.set("into", None)
            return Statement(index, text, table_name(into.this), query, creates=True)
        return Statement(index, text, target.lower(), tree)
    clone = tree.args.get("clone") if isinstance(tree, exp.Create) else None
    if isinstance(clone, exp.Clone) and isinstance(clone.this, exp.Table):  # CREATE TABLE t CLONE / COPY s
        return Statement(index, text, _destination(tree.this)[0], exp.select("*").from_(clone.this.copy()),
                         creates=True)
    merged = dml.upsert(tree) if isinstance(tree, exp.Insert) else None
    if merged is not None:
        tree = merged
    if isinstance(tree, exp.Create | exp.Insert | exp.Cache):
        written = _unwrapped(tree.expression)
        if not isinstance(written, exp.Query):
            return None
        name, columns = _destination(tree.this)
        if isinstance(tree, exp.Insert) and columns is None and name in catalog:
            columns = catalog[name]
        creates = not isinstance(tree, exp.Insert)
        return Statement(index, text, name, _with_ctes(tree, written), columns, creates=creates)
    rewrite: dml.Rewrite | None = None
    if isinstance(tree, exp.Merge):
        rewrite = dml.merge(tree, where, catalog)
    elif isinstance(tree, exp.Update):
        rewrite = dml.update(tree, where)
    elif isinstance(tree, exp.Delete):
        rewrite = dml.delete(tree, where)
    if rewrite is None:
        return None
    changed = dml.through_ctes(rewrite.target, tree.args.get("with_"))
    query = _with_ctes(tree, rewrite.query)
    return Statement(index, text, table_name(changed), query, rewrite.columns, rewrite.conditions)


def _declared(item: exp.Expr) -> list[exp.Expr]:
    names = item.this if isinstance(item.this, list) else [item.this]
    return [name for name in names if isinstance(name, exp.Identifier)]


def _unwrapped(node: exp.Expr | None) -> exp.Expr | None:
    """``AS (SELECT …)``: the query inside the parentheses."""
    while isinstance(node, exp.Subquery) and not node.alias and not node.args.get("order") \
            and not node.args.get("limit"):
        node = node.this
    return node


def _destination(node: exp.Expr) -> tuple[str, tuple[str | None, ...] | None]:
    if isinstance(node, exp.Schema) and isinstance(node.this, exp.Table):
        return table_name(node.this), tuple(column.name for column in node.expressions)
    if isinstance(node, exp.Table):
        return table_name(node), None
    raise SqlError(f"cannot tell which table `{node.sql()}` writes")


def _with_ctes(statement: exp.Expr, query: exp.Query) -> exp.Query:
    """``WITH x AS (…) INSERT INTO t SELECT … FROM x``: move the CTEs onto the query."""
    ctes = statement.args.get("with_")
    if isinstance(ctes, exp.With):
        own = query.args.get("with_")
        if isinstance(own, exp.With):
            own.set("expressions", [*ctes.expressions, *own.expressions])
        else:
            query.set("with_", ctes)
        statement.set("with_", None)
    return query


def _statement_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of each non-empty statement, split at semicolons."""
    spans: list[tuple[int, int]] = []
    first: Token | None = None
    last: Token | None = None
    for token in [*tokens, None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if first is not None and last is not None:
                spans.append((first.start, last.end + 1))
            first = last = None
        else:
            first = first or token
            last = token
    return spans


def _excerpt(sql: str, start: int, end: int) -> str:
    """A short one-line excerpt of a statement, for messages."""
    text = " ".join(sql[start:end].split())
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


def _parse_error(error: ParseError, sql: str, tokens: list[Token]) -> SqlError:
    first = error.errors[0] if error.errors else {}
    line, col = first.get("line"), first.get("col")
    highlight = first.get("highlight") or ""
    if col is not None and highlight and "\n" not in highlight:
        col = col - len(highlight) + 1  # sqlglot points at the end of the offending token
    description = first.get("description") or str(error).splitlines()[0]
    where = ""
    if line is not None and col is not None:
        before = [t for t in tokens if t.token_type == TokenType.SEMICOLON and (t.line, t.col) < (line, col)]
        where = f" in statement {len(before) + 1}"
    near = f" near `{masked(highlight)}`" if highlight else ""
    return SqlError(f"cannot parse SQL{where}: {description}{near}", sql=sql, line=line, col=col)
