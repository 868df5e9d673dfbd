"""The names engines give the outputs a query leaves unnamed (``SELECT max(col1) FROM t``).

Each engine names such an output its own way, and a later statement reads it by that name:

- Spark and Databricks: the expression's text, functions lower-case (``max(col1)``,
  ``(a + b)``, ``count(1)`` for ``count(*)``); Hive ``_c0``, ``_c1`` … by position;
- DuckDB: the expression's text, functions lower-case (``max(col1)``, ``count_star()``);
  MySQL, SQLite, ClickHouse: the expression's text;
- Snowflake and Oracle: the expression's text in upper case (``MAX(COL1)``);
- Postgres and Redshift: the function's name (``max``, ``coalesce``), ``case`` for a CASE,
  the column's or the type's name for a cast, ``?column?`` otherwise;
- BigQuery: ``f0_``, ``f1_`` … counting the unnamed outputs; Trino, Presto and Athena ``_col0``,
  ``_col1`` … by position;
- no dialect (sqlglot's own, ANSI-like): the expression's text in lower case (``max(col1)``,
  ``col1 + col2``, ``cast(col1 as timestamp)``), as lineage tools name it; but ``col1::timestamp``,
  Postgres's own spelling of a cast, is named as Postgres names it (``col1``, ``text`` for
  ``(a || b)::text``);
- T-SQL (which leaves such a column unnamed) and other dialects: sqlglot's ``_col_0``, ``_col_1``
  … by position.

A CAST of a column keeps the column's name in Postgres, Redshift, Spark and Databricks (and, without
a dialect, when spelled ``::``). Spark and DuckDB put every binary operation in parentheses
(``((a * 2) + b)``); Spark shows string literals without quotes (``concat(s, -)``).

:func:`name_outputs` gives every unnamed output of every SELECT its engine's name, as an alias
spelled exactly so.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

Namer = Callable[[exp.Expr, int, int], str]
"""``(expression, position in the SELECT list, number of unnamed outputs before it)`` → name."""


def name_outputs(query: exp.Expr, dialect: Dialect) -> None:
    """Alias, in place, every unnamed output of every SELECT of ``query`` as ``dialect``'s engine names it.

    >>> import sqlglot
    >>> from lakekit.lineage.names import get_dialect
    >>> q = sqlglot.parse_one("SELECT max(col1), a + 1, b FROM t", read="spark")
    >>> name_outputs(q, get_dialect("spark")); q.sql()
    'SELECT MAX(col1) AS "max(col1)", a + 1 AS "(a + 1)", b FROM t'
    >>> q = sqlglot.parse_one("SELECT max(col1), COUNT(*), b FROM t", read="bigquery")
    >>> name_outputs(q, get_dialect("bigquery")); q.sql("bigquery")
    'SELECT MAX(col1) AS `f0_`, COUNT(*) AS `f1_`, b FROM t'
    """
    family = _family(dialect)
    namer = _NAMERS.get(family)
    if namer is None:
        return
    for select in query.find_all(exp.Select):
        unnamed = 0
        items: list[exp.Expr] = []
        for position, item in enumerate(select.expressions):
            postgres_cast = isinstance(item, exp.Cast) and (
                family in _POSTGRES_CAST or (family == "dialect" and _double_colon(item)))
            column_cast = isinstance(item, exp.Cast) and (postgres_cast or family in _CAST_KEEPS_NAME)
            if isinstance(item, exp.Star | exp.Alias | exp.Column | exp.Dot) or (column_cast and item.output_name):
                items.append(item)
                continue
            name = (_postgres if postgres_cast else namer)(item, position, unnamed)
            unnamed += 1
            items.append(exp.alias_(item, exp.to_identifier(name, quoted=True)))
        select.set("expressions", items)


def _double_colon(cast: exp.Cast) -> bool:
    """``x::t``: sqlglot's parser builds it with ``this`` and ``to`` only, where ``CAST(x AS t)`` also
    sets ``format``, ``safe``, ``action`` and ``default`` (to None).

    >>> import sqlglot
    >>> [_double_colon(e) for e in sqlglot.parse_one("SELECT a::int, CAST(a AS int)").expressions]
    [True, False]
    """
    return set(cast.args) <= {"this", "to"}


def _family(dialect: Dialect) -> str:
    return type(dialect).__name__.lower()


def _text(dialect: str, *, parenthesize: bool = False, case: Callable[[str], str] = str) -> Namer:
    def name(node: exp.Expr, _position: int, _unnamed: int) -> str:
        shown = _parenthesized(node.copy()) if parenthesize else node
        return case(shown.sql(dialect, normalize_functions="lower"))
    return name


def _parenthesized(node: exp.Expr) -> exp.Expr:
    """Every binary operation, IN and NOT in parentheses, inner ones too, as Spark and DuckDB print
    them: ``((a * 2) + b)``, ``(a IN (1, 2))``, ``(s IS NOT NULL)``.

    >>> import sqlglot
    >>> _parenthesized(sqlglot.parse_one("a * 2 + f(b - 1)")).sql()
    '((a * 2) + F((b - 1)))'
    """
    for negated in list(node.find_all(exp.Not)):  # NOT x IS NULL, as sqlglot reads it: x IS NOT NULL
        if isinstance(negated.this, exp.Is) and isinstance(negated.this.expression, exp.Null):
            tested = exp.Is(this=negated.this.this.copy(), expression=exp.Not(this=exp.Null()))
            if negated is node:
                node = tested
            else:
                negated.replace(tested)
    operations = [b for b in node.find_all(exp.Binary, exp.In, exp.Not)
                  if not isinstance(b, exp.Dot | exp.PropertyEQ) and not isinstance(b.this, exp.Null)]
    for operation in reversed(operations):  # the innermost first: each outer copy holds its parenthesized operands
        if operation is not node and not isinstance(operation.parent, exp.Paren):
            operation.replace(exp.Paren(this=operation.copy()))
    return exp.Paren(this=node) if node in operations else node


def _spark(node: exp.Expr, position: int, unnamed: int) -> str:
    """Spark's name: qualifiers dropped, string literals shown without quotes (``concat(s, -)``)."""
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Star):
        return "count(1)"
    bare = node.copy()
    for column in bare.find_all(exp.Column):
        column.set("table", None)
    for literal in list(bare.find_all(exp.Literal)):
        if literal.is_string:
            if literal is bare:
                return literal.name
            literal.replace(exp.var(literal.name))
    return _text("spark", parenthesize=True)(bare, position, unnamed)


def _duckdb(node: exp.Expr, position: int, unnamed: int) -> str:
    """DuckDB's name: its text, but ``count_star()`` and ``COALESCE`` (an operator there) upper-case."""
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Star):
        return "count_star()"
    return _text("duckdb", parenthesize=True)(node, position, unnamed).replace("coalesce(", "COALESCE(")


def _postgres(node: exp.Expr, _position: int, _unnamed: int) -> str:
    if isinstance(node, exp.Cast):
        inner = node.this
        return inner.name if isinstance(inner, exp.Column) else node.to.sql("postgres").lower()
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return "?column?"


_POSTGRES_CAST = {"postgres", "redshift"}
_CAST_KEEPS_NAME = {"spark", "spark2", "databricks"}
"""Beside Postgres's: dialects where a cast of a column is named after the column."""
_NAMERS: dict[str, Namer] = {
    "dialect": _text("", case=str.lower),
    "spark": _spark,
    "spark2": _spark,
    "databricks": _spark,
    "hive": lambda _node, position, _unnamed: f"_c{position}",
    "duckdb": _duckdb,
    "mysql": _text("mysql"),
    "sqlite": _text("sqlite"),
    "clickhouse": _text("clickhouse"),
    "snowflake": _text("snowflake", case=str.upper),
    "oracle": _text("oracle", case=str.upper),
    "postgres": _postgres,
    "redshift": _postgres,
    "bigquery": lambda _node, _position, unnamed: f"f{unnamed}_",
    "trino": lambda _node, position, _unnamed: f"_col{position}",
    "presto": lambda _node, position, _unnamed: f"_col{position}",
    "athena": lambda _node, position, _unnamed: f"_col{position}",
}
