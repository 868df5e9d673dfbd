"""Pass 2b: output aliases read in a SELECT (its list, GROUP BY, HAVING, QUALIFY) over sources of unknown columns.

sqlglot reads such a name as the expression it aliases, but refuses to when a source of the
SELECT has columns it does not know (a CTE selecting ``*`` from a table of unknown columns, a
table function): the name could be one of them. A query is written to run, so a name no source is
known to hold is the alias there, as in dbt's ``WITH src AS (SELECT * FROM …) SELECT …,
ROW_NUMBER() OVER (…) AS rn FROM src QUALIFY rn = 1``; it is replaced by the expression it
aliases. WHERE is left alone: most engines read no alias there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, find_all_in_scope

from lakekit.lineage.sources import Names, base_name, holds

_CLAUSES = ("group", "having", "qualify")


def expand_alias_refs(scopes: list[Scope], known: Mapping[str, Sequence[str]], names: Names) -> None:
    """Replace, in place, each alias read later in the list, GROUP BY, HAVING or QUALIFY of a SELECT with a source
    of unknown columns by the expression it aliases, where no source is known to hold the name.

    >>> import sqlglot
    >>> from sqlglot.optimizer.scope import traverse_scope
    >>> sql = "WITH s AS (SELECT * FROM t) SELECT s.a AS k, COUNT(*) AS n FROM s GROUP BY k HAVING n > 1"
    >>> q = sqlglot.parse_one(sql, read="snowflake")
    >>> expand_alias_refs(list(traverse_scope(q)), {}, Names({}))
    >>> q.sql()
    'WITH s AS (SELECT * FROM t) SELECT s.a AS k, COUNT(*) AS n FROM s GROUP BY s.a HAVING (COUNT(*)) > 1'
    """
    for scope in scopes:
        select = scope.expression
        sources = [source for _, source in scope.selected_sources.values()]
        if not isinstance(select, exp.Select) or not any(_unknown(source, known, names) for source in sources):
            continue
        aliased: dict[str, exp.Expr] = {}
        for item in select.selects:  # an alias read later in the SELECT list (Snowflake, Redshift, Databricks …)
            _expand(item, aliased, sources, known, names)
            if isinstance(item, exp.Alias):
                aliased[item.alias] = item.this
        for clause in _CLAUSES:
            node = select.args.get(clause)
            if node is not None:
                _expand(node, aliased, sources, known, names, alone=clause == "group")


def _expand(node: exp.Expr, aliased: dict[str, exp.Expr], sources: list[exp.Table | Scope],
            known: Mapping[str, Sequence[str]], names: Names, *, alone: bool = False) -> None:
    """Replace the aliases read in ``node`` (``alone``: GROUP BY, only a name standing alone and
    aliasing no aggregate)."""
    for column in list(find_all_in_scope(node, exp.Column)):
        expression = aliased.get(column.name)
        if column.table or expression is None or any(_held(s, column.name, known, names) for s in sources):
            continue
        if not alone:
            column.replace(exp.paren(expression.copy()))
        elif column.parent is node and not expression.find(exp.AggFunc):
            column.replace(expression.copy())


def _held(source: exp.Table | Scope, name: str, known: Mapping[str, Sequence[str]], names: Names) -> bool:
    """The source is known to hold ``name``, itself or, selecting ``*``, through a source of its own."""
    if holds(source, name, known, names):
        return True
    return isinstance(source, Scope) and names.outputs(source) is None and any(
        _held(inner, name, known, names) for _, inner in source.selected_sources.values())


def _unknown(source: exp.Table | Scope, known: Mapping[str, Sequence[str]], names: Names) -> bool:
    """A source whose columns are not known: a table of none known, a derived table selecting ``*``."""
    base = base_name(source)
    if base is not None:
        return not known.get(base)
    return names.outputs(source) is None
