"""Pass 1: split SQL into statements and find each one's target table and query.

:func:`parse_sql` is lakekit's one way to parse SQL, for lineage, transforms and queries alike:
sqlglot's tokenizer and parser in the given dialect, and every failure translated into a
:class:`~lakekit.errors.SqlError` that names the statement, line and column and the token near
it (never the SQL text around it, whose literals may be personal data).

Every statement that writes data becomes a :class:`Statement`: the table it writes, the
query that computes the rows, and how the query's outputs map onto target columns.
``CREATE TABLE|VIEW … AS``, ``INSERT INTO … SELECT`` (with or without a column list) and
plain queries map positionally; ``MERGE INTO`` is rewritten into one query that joins the
target to the source, with one output per assigned value and one per ``WHEN … AND``
condition. Statements that move no data (``USE``, ``SET``, ``DROP``, bare ``CREATE``…)
are skipped; ``UPDATE``, ``DELETE`` and DuckDB's ``PIVOT`` statement are refused rather than
half-understood.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from lakekit.errors import SqlError, UsageError, masked
from lakekit.lineage.catalog import Catalog
from lakekit.lineage.names import get_dialect, normalize_names

_SNIPPET = 60
MAX_NESTING = 32
"""Deepest nesting of parentheses, brackets and CASE expressions lakekit parses."""
TOO_DEEP = f"SQL nested deeper than {MAX_NESTING} levels (parentheses, brackets, CASE)"
_OPENS = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE}
_CLOSES = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END}
PIVOT_STATEMENT = "DuckDB's PIVOT / UNPIVOT statement is not supported: write SELECT … FROM t PIVOT (…)"
_PIVOT_TOKENS = {TokenType.PIVOT, TokenType.UNPIVOT}


@dataclass(frozen=True)
class Condition:
    """Output ``position`` of the query is a MERGE ``WHEN … AND`` condition.

    Its base columns decide the values of ``columns`` (conditional edges), or, for a
    ``DELETE`` clause (``columns == ()``), which rows remain (filter edges).
    """

    position: int
    columns: tuple[str, ...]


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

    def where(self) -> str:
        """``statement N (writing T)`` for error messages: never the SQL text, whose literals may be personal data."""
        return f"statement {self.index}" + (f" (writing {self.target})" if self.target else "")


def parse_statements(sql: str, dialect: str | None, catalog: Catalog, target: str | None, *,
                     names: Dialect | None = None) -> list[Statement]:
    """Parse ``sql`` and return its data-producing statements, in order, names spelled by the
    rules of ``names`` (default: ``dialect``'s).

    >>> [s.target for s in parse_statements("CREATE TABLE a.B AS SELECT 1 AS x; USE y", None, {}, None)]
    ['a.b']
    """
    trees, tokens, dialect_obj = parse_sql(sql, dialect)
    texts = _statement_texts(sql, tokens)
    statements: list[Statement] = []
    for index, tree in enumerate(trees, start=1):
        text = texts[index - 1] if len(texts) >= index else ""
        if _is_pivot_statement(tree, dialect_obj):
            raise SqlError(f"statement {index}: {PIVOT_STATEMENT}", sql=text)
        normalize_names(tree, names or dialect_obj)
        statement = _statement(tree, index, text, catalog, target)
        if statement is not None:
            statements.append(statement)
    return statements


def parse_sql(sql: str, dialect: str | None) -> tuple[list[exp.Expr], list[Token], Dialect]:
    """The statements of ``sql`` (empty ones dropped), its tokens, and the dialect that read them.

    >>> parse_sql("SELECT 1; SELECT a FROM t WHERE (a", "duckdb")
    Traceback (most recent call last):
    lakekit.errors.SqlError: cannot parse SQL in statement 2: Expecting ) near `a` at line 1, column 34
    """
    dialect_obj = get_dialect(dialect)
    tokens = tokenize(sql, dialect_obj)
    try:
        trees = dialect_obj.parser().parse(tokens, sql)
    except ParseError as e:
        raise _parse_error(e, sql, tokens) from None
    except RecursionError:
        raise SqlError(TOO_DEEP, sql=sql) from None
    return [t for t in trees if t is not None], tokens, dialect_obj


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


def table_name(table: exp.Table) -> str:
    """The table's name as written, dotted and lower-case (``p.d.t`` for BigQuery's `` `p.d.t` ``)."""
    return ".".join(part.name for part in table.parts).lower()


def _statement(tree: exp.Expr, index: int, text: str, catalog: Catalog, target: str | None) -> Statement | None:
    if isinstance(tree, exp.Query):
        if target is None:
            raise SqlError(f"statement {index} is a query that names no target table: pass target")
        return Statement(index, text, target.lower(), tree)
    if isinstance(tree, exp.Create):
        query = tree.expression
        if not isinstance(query, exp.Query):
            return None
        name, columns = _destination(tree.this)
        return Statement(index, text, name, _with_ctes(tree, query), columns)
    if isinstance(tree, exp.Insert):
        query = tree.expression
        if not isinstance(query, exp.Query):
            return None
        name, columns = _destination(tree.this)
        if columns is None and name in catalog:
            columns = catalog[name]
        return Statement(index, text, name, _with_ctes(tree, query), columns)
    if isinstance(tree, exp.Merge):
        return _merge(tree, index, text, catalog)
    if isinstance(tree, exp.Update | exp.Delete):
        kind = type(tree).__name__.upper()
        raise SqlError(f"statement {index}: {kind} is not supported; write it as MERGE or CTAS")
    return None


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


def _merge(merge: exp.Merge, index: int, text: str, catalog: Catalog) -> Statement:
    target = merge.this
    source = merge.args.get("using")
    if not isinstance(target, exp.Table) or not isinstance(source, exp.Table | exp.Subquery):
        raise SqlError(f"statement {index} (`{text}`): unsupported MERGE target or source")
    items: list[exp.Expr] = []
    columns: list[str | None] = []
    conditions: list[Condition] = []
    whens = merge.args.get("whens")
    for clause_no, when in enumerate(whens.expressions if whens else []):
        assigned = _assignments(when.args.get("then"), source, catalog)
        for column, value in assigned:
            items.append(exp.alias_(value, f"_lk_{clause_no}_{len(items)}"))
            columns.append(column)
        condition = when.args.get("condition")
        if condition is not None:
            conditions.append(Condition(len(items), tuple(column for column, _ in assigned)))
            items.append(exp.alias_(condition, f"_lk_{clause_no}_when"))
            columns.append(None)
    if not items:
        items.append(exp.alias_(exp.Null(), "_lk_none"))
        columns.append(None)
    joined = exp.select(*items).from_(target.copy()).join(source.copy(), on=merge.args.get("on"))
    query = _with_ctes(merge, joined)
    return Statement(index, text, table_name(target), query, tuple(columns), tuple(conditions))


def _assignments(then: exp.Expr | None, source: exp.Table | exp.Subquery,
                 catalog: Catalog) -> list[tuple[str, exp.Expr]]:
    """``(target column, value)`` pairs of one WHEN clause's action."""
    if isinstance(then, exp.Update):
        if any(isinstance(e, exp.Star) for e in then.expressions):
            return _star_assignments(source, catalog)
        return [(eq.this.name, eq.expression) for eq in then.expressions]
    if isinstance(then, exp.Insert):
        if isinstance(then.this, exp.Star):
            return _star_assignments(source, catalog)
        names = then.this.expressions if then.this is not None else []
        values = then.expression.expressions if then.expression is not None else []
        if len(names) != len(values):
            raise SqlError(f"MERGE INSERT names {len(names)} columns but gives {len(values)} values")
        return [(name.name, value) for name, value in zip(names, values, strict=True)]
    return []


def _star_assignments(source: exp.Table | exp.Subquery, catalog: Catalog) -> list[tuple[str, exp.Expr]]:
    """``UPDATE SET *`` / ``INSERT *``: every source column into the target column of that name."""
    alias = source.alias_or_name
    if isinstance(source, exp.Table) and table_name(source) in catalog:
        names: list[str] = list(catalog[table_name(source)])
    elif isinstance(source, exp.Subquery) and "*" not in source.named_selects:
        names = list(source.named_selects)
    else:
        raise SqlError(f"MERGE with SET * / INSERT * needs the columns of '{alias}': pass schema")
    return [(name, exp.column(name, table=alias)) for name in names]


def _statement_texts(sql: str, tokens: list[Token]) -> list[str]:
    """A short one-line excerpt of each non-empty statement, for messages."""
    texts: list[str] = []
    first: Token | None = None
    last: Token | None = None
    for token in [*tokens, None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if first is not None and last is not None:
                text = " ".join(sql[first.start : last.end + 1].split())
                texts.append(text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…")
            first = last = None
        else:
            first = first or token
            last = token
    return texts


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
