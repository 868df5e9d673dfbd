"""Pass 2a: rewrite each PIVOT and UNPIVOT into the plain query it stands for.

``src PIVOT (SUM(v) FOR k IN ('a', 'b')) AS p``, where ``r…`` are the source's other columns, is::

    (SELECT r…, SUM(v) FILTER (WHERE k = 'a') AS a, SUM(v) FILTER (WHERE k = 'b') AS b
     FROM src GROUP BY r…) AS p

so ``v`` aggregates into each value column, ``k`` decides it (conditional) and ``r…`` group
the rows. ``src UNPIVOT (v FOR k IN (c1, c2)) AS u`` is::

    (SELECT r…, 'c1' AS k, c1 AS v FROM src WHERE c1 IS NOT NULL
     UNION ALL SELECT r…, 'c2' AS k, c2 AS v FROM src WHERE c2 IS NOT NULL) AS u

so ``c1`` and ``c2`` flow into ``v`` as they are, ``k`` holds names rather than values, and
the WHERE (absent with INCLUDE NULLS) is a filter. The later passes then see plain SELECTs.

Output names and their order are sqlglot's (``Pivot.output_columns``), which knows each
dialect's naming. Both rewrites need the source's columns: the schema's for a table, the
SELECT list's for a CTE or a subquery; but an UNPIVOT over a source of unknown columns keeps
them as a wildcard (``SELECT *, 'c1' AS k, c1 AS v …``: edges from ``t.*``, unresolved). Pivots
whose columns are only known when they run (``IN (ANY …)``, ``IN (SELECT …)``) and DuckDB's
PIVOT / UNPIVOT statement are errors.
"""

from __future__ import annotations

import itertools
from functools import reduce
from typing import NoReturn

from sqlglot import exp

from lakekit.errors import SqlError
from lakekit.lineage.catalog import Catalog
from lakekit.lineage.names import WILDCARD
from lakekit.lineage.parse import PIVOT_STATEMENT, Statement, table_name


def expand_pivots(query: exp.Query, catalog: Catalog, statement: Statement) -> None:
    """Replace, in place, every source carrying a PIVOT / UNPIVOT by the query it stands for."""
    if any(pivot.this is not None for pivot in query.find_all(exp.Pivot)):
        raise SqlError(f"{statement.where()}: {PIVOT_STATEMENT}", sql=statement.text)
    # Innermost first, so that a pivoted subquery's own pivots are already rewritten when it is copied.
    for node in reversed(list(query.find_all(exp.Table, exp.Subquery, bfs=False))):
        pivots = node.args.get("pivots")
        if pivots and isinstance(node, exp.Table | exp.Subquery):
            node.replace(_Expansion(node, catalog, statement).run(pivots))


class _Expansion:
    """The rewrite of one source and the (UN)PIVOTs applied to it, in order."""

    def __init__(self, node: exp.Table | exp.Subquery, catalog: Catalog, statement: Statement) -> None:
        self.node = node
        self.statement = statement
        columns = _source_columns(node, catalog)
        pivots = node.args["pivots"]
        if columns is None and len(pivots) == 1 and pivots[0].unpivot:
            columns = [WILDCARD]  # the columns UNPIVOT keeps, unknown: a wildcard beside its own
        if columns is None:
            described = table_name(node) if isinstance(node, exp.Table) else "a subquery"
            base = isinstance(node, exp.Table) and _cte(node) is None
            self.fail(f"{{kind}} over {described} needs its columns: "
                      + ("pass them in schema" if base else "list them instead of *"), node.args["pivots"][0])
        self.columns = columns

    def run(self, pivots: list[exp.Pivot]) -> exp.Expr:
        source: exp.Expr = self.node.copy()
        source.set("pivots", None)
        for pivot in pivots:
            outputs = list(pivot.output_columns(self.columns).items()) if self.columns != [WILDCARD] else [
                (WILDCARD, WILDCARD), *((name, name) for name in _unpivot_names(pivot))]
            if not outputs:
                self.fail("cannot tell the columns of this {kind}", pivot)
            body = self._unpivot(pivot, source, outputs) if pivot.unpivot else self._pivot(pivot, source, outputs)
            source = exp.Subquery(this=body, alias=exp.TableAlias(this=_name(pivot.alias or self.node.alias_or_name)))
            self.columns = [post for post, _ in outputs]
        return source

    def _pivot(self, pivot: exp.Pivot, source: exp.Expr, outputs: list[tuple[str, str]]) -> exp.Select:
        if pivot.args.get("group") is not None:
            self.fail("a {kind} with its own GROUP BY is not supported", pivot)
        choices: list[list[exp.Expr]] = []
        for field in pivot.fields:
            values = [v.this if isinstance(v, exp.PivotAlias) else v for v in field.expressions]
            if not isinstance(field, exp.In) or not values or any(isinstance(v, exp.Query | exp.PivotAny)
                                                                  for v in values):
                self.fail("a {kind} whose IN list is computed when it runs (ANY, a subquery) has no known columns",
                          pivot)
            choices.append([exp.EQ(this=field.this.copy(), expression=value.copy()) for value in values])
        aggregates = [aggregate.unalias() for aggregate in pivot.expressions]
        combos = list(itertools.product(*choices, aggregates))
        kept = len(outputs) - len(combos)
        if kept < 0 or len(pivot.args.get("columns") or []) != len(combos):
            self.fail("cannot tell which aggregate of this {kind} fills which column", pivot)
        items: list[exp.Expr] = [exp.alias_(_column(pre), _name(post)) for post, pre in outputs[:kept]]
        for (post, _), (*conditions, aggregate) in zip(outputs[kept:], combos, strict=True):
            where = exp.Where(this=exp.and_(*conditions, copy=False))
            items.append(exp.alias_(exp.Filter(this=aggregate.copy(), expression=where), _name(post)))
        select = exp.select(*items).from_(source)
        return select.group_by(*(_column(pre) for _, pre in outputs[:kept])) if kept else select

    def _unpivot(self, pivot: exp.Pivot, source: exp.Expr, outputs: list[tuple[str, str]]) -> exp.Query:
        field = pivot.fields[0] if len(pivot.fields) == 1 else None
        if not isinstance(field, exp.In):
            self.fail("a {kind} with more than one FOR is not supported", pivot)
        values = [name for e in pivot.expressions for name in (e.expressions if isinstance(e, exp.Tuple) else [e])]
        kept = len(outputs) - len(values) - 1
        branches: list[exp.Query] = []
        for entry in field.expressions:
            label = entry.args["alias"].name if isinstance(entry, exp.PivotAlias) else entry.sql()
            read = entry.this if isinstance(entry, exp.PivotAlias) else entry
            columns = read.expressions if isinstance(read, exp.Tuple) else [read]
            if len(columns) != len(values):
                self.fail("a {kind} entry gives another number of columns than it has value columns", pivot)
            fills: dict[str, exp.Expr] = {field.this.name: exp.Literal.string(label)}
            fills.update((value.name, _column(column.name)) for value, column in zip(values, columns, strict=True))
            items = [exp.Star() if pre == WILDCARD else
                     exp.alias_(_column(pre) if i < kept else fills[pre], _name(post))
                     for i, (post, pre) in enumerate(outputs)]
            branch = exp.select(*items).from_(source.copy())
            if not pivot.args.get("include_nulls"):
                branch = branch.where(exp.or_(*(_column(c.name).is_(exp.null()).not_() for c in columns)))
            branches.append(branch)
        return reduce(lambda left, right: exp.union(left, right, distinct=False), branches)

    def fail(self, message: str, pivot: exp.Pivot) -> NoReturn:
        kind = "UNPIVOT" if pivot.unpivot else "PIVOT"
        raise SqlError(f"{self.statement.where()}: {message.format(kind=kind)}", sql=self.statement.text)


def _unpivot_names(pivot: exp.Pivot) -> list[str]:
    """The columns an UNPIVOT adds: its name column, then its value columns."""
    values = [name for e in pivot.expressions for name in (e.expressions if isinstance(e, exp.Tuple) else [e])]
    return [pivot.fields[0].this.name, *(value.name for value in values)] if pivot.fields else []


def _source_columns(node: exp.Table | exp.Subquery, catalog: Catalog) -> list[str] | None:
    """The columns a pivot's source has, when the query or the schema tells them."""
    if node.alias_column_names:
        return list(node.alias_column_names)
    if isinstance(node, exp.Subquery):
        names = node.this.named_selects if isinstance(node.this, exp.Query) else []
    else:
        cte = _cte(node)
        if cte is not None:
            names = cte.alias_column_names or cte.this.named_selects
        else:
            names = list(catalog.get(table_name(node), ()))
    return list(names) if names and "*" not in names else None


def _cte(table: exp.Table) -> exp.CTE | None:
    """The CTE an unqualified table name refers to, if any."""
    if table.db:
        return None
    ancestor = table.parent
    while ancestor is not None:
        ctes = ancestor.args.get("with_") if isinstance(ancestor, exp.Query) else None
        for cte in ctes.expressions if isinstance(ctes, exp.With) else []:
            if cte.alias == table.name:
                return cte
        ancestor = ancestor.parent
    return None


def _name(name: str) -> exp.Identifier:
    """An identifier spelled exactly ``name`` (names here are already in lakekit's spelling)."""
    return exp.to_identifier(name, quoted=True)


def _column(name: str) -> exp.Column:
    return exp.column(_name(name))
