"""What the sources of a scope can hold: the helpers qualification and its no-schema reading share.

A source is a base table (``exp.Table`` named by an identifier: ``base_name``), or a derived one
(a CTE, subquery, UNNEST, LATERAL, VALUES or table function: a sqlglot ``Scope``), whose output
names are known unless it selects a wildcard (``output_names``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, find_all_in_scope

from lakekit.lineage.catalog import Catalog
from lakekit.lineage.direct import bound_by_lambda
from lakekit.lineage.names import WILDCARD


def own_columns(scope: Scope) -> Iterator[exp.Column]:
    """Columns written in this scope itself (not in its subqueries), lambda variables and the names a
    ``* EXCEPT (…)`` leaves out left out."""
    for column in find_all_in_scope(scope.expression, exp.Column):
        if not isinstance(column.this, exp.Star) and not bound_by_lambda(column) and column.arg_key != "except_":
            yield column


class Names:
    """Which names each source can hold, and each SELECT's aliases, computed once per node."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._outputs: dict[int, frozenset[str] | None] = {}
        self._aliases: dict[int, frozenset[str]] = {}

    def may_hold(self, source: exp.Table | Scope, name: str) -> bool:
        base = base_name(source)
        if base is not None:
            return base not in self.catalog or name in self.catalog[base]
        outputs = self.outputs(source)
        return outputs is None or name in outputs

    def outputs(self, source: exp.Table | Scope) -> frozenset[str] | None:
        """:func:`output_names` of ``source``, computed once."""
        key = id(source)
        if key not in self._outputs:
            self._outputs[key] = output_names(source)
        return self._outputs[key]

    def aliases(self, select: exp.Select) -> frozenset[str]:
        key = id(select)
        if key not in self._aliases:
            self._aliases[key] = frozenset(s.alias for s in select.selects if isinstance(s, exp.Alias))
        return self._aliases[key]


DERIVED = (exp.Query, exp.Unnest, exp.Lateral, exp.Values, exp.TableFromRows)


def output_names(source: exp.Table | Scope) -> frozenset[str] | None:
    """Output names of a derived source or table function; ``None`` when unknown (a star, a
    table function without a column list)."""
    if isinstance(source, exp.Table):
        return frozenset(source.alias_column_names) or None
    if isinstance(source, Scope) and isinstance(source.expression, DERIVED):
        outputs = source.expression.named_selects
        inner = source.expression.this
        if not outputs and isinstance(source.expression, exp.Lateral) and isinstance(inner, exp.Subquery):
            outputs = inner.named_selects  # LATERAL (SELECT …) AS x: the subquery's outputs
        return None if "*" in outputs else frozenset(outputs)
    return None


def around(source: exp.Table | Scope, column: exp.Column) -> bool:
    """The column is written inside the source itself: ``UNNEST(event_params)`` reads
    ``event_params`` from the sources before it (or an outer query's), never from the UNNEST."""
    if not isinstance(source, Scope):
        return False
    node: exp.Expr | None = column
    while node is not None and node is not source.expression:
        node = node.parent
    return node is not None


def source_of(scope: Scope, alias: str) -> exp.Table | Scope | None:
    current: Scope | None = scope
    while current is not None:
        if alias in current.sources:
            source: exp.Table | Scope = current.sources[alias]
            return source
        current = current.parent
    return None


def base_name(source: exp.Table | Scope | None) -> str | None:
    if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
        return source.name
    return None


def is_alias_ref(column: exp.Column, select: exp.Select, names: Names) -> bool:
    """An unqualified name that refers to one of the SELECT's own output aliases."""
    if column.name not in names.aliases(select):
        return False
    item: exp.Expr | None = column
    while item is not None and item.parent is not select:
        item = item.parent
    return not (isinstance(item, exp.Alias) and item.alias == column.name and item.arg_key == "expressions")


def holds(source: exp.Table | Scope, name: str, known: Catalog | Mapping[str, Sequence[str]], names: Names) -> bool:
    """The source is known to have a column ``name`` (not merely may have it)."""
    base = base_name(source)
    if base is not None:
        return name in known.get(base, ())
    outputs = names.outputs(source)
    return outputs is not None and name in outputs


def column_names(source: exp.Table | Scope, catalog: Catalog) -> list[str]:
    """The columns a source gives, in order (a base table of unknown columns: its wildcard)."""
    base = base_name(source)
    if base is not None:
        return list(catalog.get(base, (WILDCARD,)))
    if isinstance(source, Scope) and isinstance(source.expression, exp.Query):
        return list(dict.fromkeys(source.expression.named_selects))
    return sorted(output_names(source) or ())
