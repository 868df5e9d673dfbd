"""The columns UNNEST and other table functions read, and those read from them.

A column a table function reads unqualified comes from the one source before it, or of an outer
query, that can hold it (:func:`qualify_function_arguments`). BigQuery's UNNEST without an alias,
the only source of a subquery: its elements' fields are its columns, as in GA4's
``(SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page')``.

The UNNEST gets an element alias of its own and each name the subquery reads (outside the
UNNEST's argument) is a field of that element, unless it starts with the alias of an outer
query's source: ``key`` is ``_lk_element.key``, ``value.string_value`` is
``_lk_element.value.string_value``. A name the element lacks but the outer row holds would be
read the same way: SQL reads the innermost scope first, and without a schema nothing tells them
apart.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, ScopeType, find_all_in_scope

from lakekit.lineage.sources import Names, around, own_columns

ELEMENT = "_lk_element"


def name_bare_unnests(query: exp.Query) -> None:
    """Alias, in place, each bare UNNEST that is a SELECT's only source, and qualify the names read
    from it (see the module's docstring).

    >>> import sqlglot
    >>> q = sqlglot.parse_one("SELECT (SELECT value.s FROM UNNEST(e.ps) WHERE key = 'p') FROM t AS e", read="bigquery")
    >>> name_bare_unnests(q); q.sql("bigquery")
    "SELECT (SELECT _lk_element.value.s FROM UNNEST(e.ps) AS _lk_element WHERE _lk_element.key = 'p') FROM t AS e"
    """
    for select in list(query.find_all(exp.Select)):
        from_ = select.args.get("from_")
        unnest = from_.this if isinstance(from_, exp.From) else None
        if not isinstance(unnest, exp.Unnest) or unnest.args.get("alias") or select.args.get("joins"):
            continue
        outer = _outer_aliases(select)
        unnest.set("alias", exp.TableAlias(columns=[exp.to_identifier(ELEMENT)]))  # BigQuery: names the element
        for column in list(find_all_in_scope(select, exp.Column)):
            parts = column.parts
            if isinstance(column.this, exp.Star) or len(parts) > 2 or column.find_ancestor(exp.Unnest) is unnest \
                    or (len(parts) == 2 and parts[0].name in outer):
                continue
            column.set("catalog", None)
            column.set("db", exp.to_identifier(ELEMENT) if len(parts) == 2 else None)
            column.set("table", parts[0].copy() if len(parts) == 2 else exp.to_identifier(ELEMENT))


def _outer_aliases(select: exp.Select) -> set[str]:
    """The names the sources of the queries around ``select`` go by."""
    found: set[str] = set()
    node = select.parent
    while node is not None:
        if isinstance(node, exp.Select):
            sources = [node.args["from_"].this] if isinstance(node.args.get("from_"), exp.From) else []
            found.update(source.alias_or_name for source in [*sources, *(j.this for j in node.args.get("joins") or [])])
        node = node.parent
    return found


def qualify_function_arguments(scopes: list[Scope], names: Names) -> None:
    """A column a table function reads unqualified (``UNNEST(event_params)``, BigQuery's GA4 idiom
    ``(SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page')``) comes from the one
    source before it, or of an outer query, that can hold it: sqlglot will not say which where a
    source's columns are unknown."""
    for scope in scopes:
        if scope.scope_type != ScopeType.UDTF:
            continue
        for column in own_columns(scope):
            current = scope.parent if not column.table else None
            while current is not None:
                found = [alias for alias, (_, src) in current.selected_sources.items()
                         if names.may_hold(src, column.name) and not around(src, column)]
                if found:
                    if len(found) == 1:
                        column.set("table", exp.to_identifier(found[0]))
                    break
                current = current.parent if current.can_be_correlated else None
