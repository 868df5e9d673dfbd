"""DuckDB's ``COLUMNS(…)``: one SELECT item repeated for each column it picks.

``COLUMNS('regex')`` picks the columns of the scope's sources whose name the regular expression
matches anywhere in (DuckDB's partial match: ``'a.*'`` picks ``ba``), ``COLUMNS(*)`` /
``COLUMNS(t.*)`` every column of the scope's sources / of ``t`` (less those ``EXCLUDE`` names),
``COLUMNS(['a', 'b'])`` the columns listed, and ``COLUMNS(lambda c: c LIKE 'p%')`` (or ILIKE)
those the pattern matches. Each pick is an output named after its column, whatever the
expression around it (``max(COLUMNS('^a'))`` gives ``a1``), as DuckDB names it. A source of
unknown columns, or a lambda of another kind, gives the source's wildcard column ``t."*"``
(edges from ``t.*``, marked unresolved) instead of a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from lakekit.errors import SqlError
from lakekit.lineage.catalog import Catalog
from lakekit.lineage.names import WILDCARD
from lakekit.lineage.sources import column_names

Picks = Callable[[str], bool]


def open_column_sets(scopes: list[Scope], catalog: Catalog) -> None:
    """Rewrite, in place, each SELECT item holding ``COLUMNS(…)`` into one item per column it picks.

    >>> import sqlglot
    >>> from sqlglot.optimizer.scope import traverse_scope
    >>> q = sqlglot.parse_one("SELECT id, max(COLUMNS('^a')) FROM t", read="duckdb")
    >>> open_column_sets(list(traverse_scope(q)), {"t": ("id", "a1", "ba", "a2")}); q.sql("duckdb")
    'SELECT id, MAX(t."a1") AS "a1", MAX(t."a2") AS "a2" FROM t'
    """
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select) or not any(item.find(exp.Columns) for item in select.expressions):
            continue
        items: list[exp.Expr] = []
        for item in select.expressions:
            node = item.find(exp.Columns)
            if node is None:
                items.append(item)
                continue
            for alias, name in _picked(node, scope, catalog):
                items.append(_one_pick(item, node, exp.column(exp.to_identifier(name, quoted=True),
                                                              table=exp.to_identifier(alias))))
        select.set("expressions", items)


def _one_pick(item: exp.Expr, node: exp.Columns, column: exp.Column) -> exp.Expr:
    """``item`` with ``column`` in place of its ``COLUMNS(…)`` node, named after the column (a wildcard
    column left bare, an alias the query gives kept)."""
    copy = column if item is node else item.copy()
    inner = copy.find(exp.Columns)
    if inner is not None:
        inner.replace(column)
    if isinstance(copy, exp.Alias) or (column.name == WILDCARD and copy is column):
        return copy
    return exp.alias_(copy, exp.to_identifier(column.name, quoted=True))


def _picked(node: exp.Columns, scope: Scope, catalog: Catalog) -> list[tuple[str, str]]:
    """``(source alias, column)`` of each column ``node`` picks, in the sources' order."""
    argument = node.this
    sources = list(scope.selected_sources.items())
    if isinstance(argument, exp.Column) and isinstance(argument.this, exp.Star):  # COLUMNS(t.*)
        sources = [(alias, found) for alias, found in sources if alias == argument.table]
        argument = argument.this
    picks = _picks(argument)
    found: list[tuple[str, str]] = []
    for alias, (_, source) in sources:
        names = column_names(source, catalog)
        if WILDCARD in names or picks is None:
            found.append((alias, WILDCARD))
            continue
        found.extend((alias, name) for name in names if picks(name))
    return found


def _picks(argument: exp.Expr) -> Picks | None:
    """Which column names a ``COLUMNS`` argument picks; None when only the engine can tell."""
    if isinstance(argument, exp.Star):
        left_out = {column.name for column in argument.args.get("except_") or []}
        return lambda name: name not in left_out
    if isinstance(argument, exp.Literal) and argument.is_string:
        try:
            pattern = re.compile(argument.name)
        except re.error as e:
            raise SqlError(f"COLUMNS('{argument.name}') is not a regular expression: {e}") from None
        return lambda name: pattern.search(name) is not None
    if isinstance(argument, exp.Array) and all(isinstance(e, exp.Literal) for e in argument.expressions):
        listed = {e.name for e in argument.expressions}
        return lambda name: name in listed
    body = argument.this if isinstance(argument, exp.Lambda) else None
    if isinstance(body, exp.Like | exp.ILike) and isinstance(body.expression, exp.Literal):
        flags = re.IGNORECASE if isinstance(body, exp.ILike) else 0
        like = re.compile(_like_regex(body.expression.name), flags)
        return lambda name: like.fullmatch(name) is not None
    return None


def _like_regex(pattern: str) -> str:
    """A LIKE pattern as a regular expression: ``%`` any text, ``_`` any one character.

    >>> _like_regex("b_x%.")
    'b.x.*\\\\.'
    """
    return "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
