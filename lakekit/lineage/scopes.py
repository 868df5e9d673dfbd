"""Pass 3: lineage of every scope of a qualified query, from the leaves up.

For each sqlglot scope (CTE, derived table, subquery, UNION branch, UNNEST/LATERAL) this
computes, once, the :class:`Deps` of each output column and the whole-output indirect
edges of everything that feeds it. A parent reads its sources' results instead of
re-walking them, so the cost is linear in the size of the query.

A recursive CTE reads itself: its outputs are recomputed from their previous value until they
stop growing (they only grow, so this ends), and its reference to itself adds no whole-output
edges of its own, the CTE's being already counted.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from lakekit.errors import SqlError
from lakekit.lineage.deps import BaseColumn, Deps, Indirect, Strength
from lakekit.lineage.direct import expression_deps
from lakekit.lineage.indirect import order_indirect, select_indirect
from lakekit.lineage.laterals import drops_no_row, one_row_each
from lakekit.lineage.names import WILDCARD

Outputs = tuple[tuple[str, Deps], ...]


class ScopeLineage:
    """Memoised lineage of the scopes of one qualified query.

    >>> import sqlglot
    >>> from sqlglot.optimizer.scope import build_scope
    >>> q = sqlglot.parse_one('WITH c AS (SELECT t.a AS a FROM t AS t WHERE t.b > 0) SELECT c.a + 1 AS x FROM c AS c')
    >>> lin = ScopeLineage(build_scope(q))
    >>> [(name, sorted(d.direct.items())) for name, d in lin.outputs()]
    [('x', [(('t', 'a'), <Strength.TRANSFORMATION: 1>)])]
    >>> sorted(lin.whole())
    [(('t', 'b'), 'filter')]
    """

    def __init__(self, root: Scope) -> None:
        self.root = root
        scopes = list(root.traverse())
        self._by_expression = {id(scope.expression): scope for scope in scopes}
        self._itself = _self_references(scopes, self._by_expression)
        self._recursive = {id(cte) for cte in self._itself.values()}
        self._outputs: dict[int, Outputs] = {}
        self._by_name: dict[int, dict[str, Deps]] = {}
        self._whole: dict[int, frozenset[Indirect]] = {}
        self.unresolved: set[BaseColumn] = set()
        """Base columns read from a guess among several tables of unknown columns."""

    def outputs(self, scope: Scope | None = None) -> Outputs:
        """``(name, deps)`` of each output column of ``scope`` (default: the root), in order."""
        scope = scope or self.root
        key = id(scope)
        if key in self._recursive and key not in self._outputs:
            self._fixpoint(scope)
        elif key not in self._outputs:
            self._outputs[key] = self._compute_outputs(scope)
        return self._outputs[key]

    def whole(self, scope: Scope | None = None) -> frozenset[Indirect]:
        """Whole-output indirect edges of ``scope`` and of every scope feeding it."""
        scope = scope or self.root
        key = id(scope)
        if key not in self._whole:
            self._whole[key] = self._compute_whole(scope)
        return self._whole[key]

    def picking(self, scope: Scope) -> frozenset[Indirect]:
        """What picks the rows of a subquery read for its value (its WHERE, joins, grouping, bounded
        ORDER BY), as ``conditional`` edges into that value."""
        return frozenset((source, "conditional") for source, _ in self.whole(scope))

    def output(self, scope: Scope, name: str) -> Deps:
        scope = self._itself.get(id(scope), scope)
        key = id(scope)
        if key not in self._by_name:
            outputs = self.outputs(scope)  # first: a recursive CTE's fixpoint forgets what was read of it
            known: dict[str, Deps] = {}
            for out_name, deps in outputs:
                if out_name == WILDCARD and out_name in known:  # `SELECT *` over two tables: both wildcards
                    deps = known[out_name].merge(deps)
                known[out_name] = known.get(out_name, deps) if out_name != WILDCARD else deps
            self._by_name[key] = known
        found = self._by_name[key].get(name)
        if found is None and WILDCARD in self._by_name[key] and isinstance(scope.expression, exp.SetOperation):
            # A column of the tables behind a UNION's wildcards: each branch reads it from its own.
            found = Deps.union(self.output(branch, name) for branch in scope.set_operation_scopes)
        if found is None and WILDCARD in self._by_name[key]:
            # A column of a table read through `*`: each table behind the wildcard may hold it.
            found = self._by_name[key][WILDCARD].respelled(WILDCARD, name)
            if len({table for table, _ in found.direct}) > 1:
                self.unresolved.update(found.direct)
        if found is None and not isinstance(scope.expression, exp.Query):
            # A table function whose outputs only the engine knows (T-SQL OPENJSON, Postgres
            # json_each …): whatever it returns is built from all of its inputs.
            found = self._inputs(scope)
        if found is None:
            raise SqlError(f"column '{name}' is not an output of the {scope.expression.key} it is read from",
                           column=name)
        return found

    def _fixpoint(self, cte: Scope) -> None:
        """Outputs of a recursive CTE: start from nothing, recompute until they no longer change."""
        inner = [id(scope) for scope in cte.traverse() if scope is not cte]
        names = cte.expression.named_selects if isinstance(cte.expression, exp.Query) else []
        current: Outputs = tuple((name, Deps()) for name in names)
        while True:
            for key in [id(cte), *inner]:
                self._outputs.pop(key, None)
                self._by_name.pop(key, None)
            self._outputs[id(cte)] = current
            following = self._compute_outputs(cte)
            if following == current:
                return
            current = following

    def _compute_outputs(self, scope: Scope) -> Outputs:
        expression = scope.expression
        resolver = _ScopeResolver(self, scope)
        if isinstance(expression, exp.Select):
            return tuple(output for item in expression.selects for output in _item_outputs(item, resolver))
        if isinstance(expression, exp.SetOperation):
            left, right = (self.outputs(branch) for branch in scope.set_operation_scopes)
            if not isinstance(expression, exp.Union):
                return left
            if expression.args.get("by_name"):  # UNION BY NAME: columns matched by name, NULL where a side lacks one
                rights = dict(right)
                merged = tuple((name, deps.merge(rights[name]) if name in rights else deps) for name, deps in left)
                return merged + tuple((name, deps) for name, deps in right if name not in dict(left))
            if len(left) != len(right):
                raise SqlError(f"the branches of a {expression.key.upper()} differ in width")
            return tuple((name, a.merge(b)) for (name, a), (_, b) in zip(left, right, strict=True))
        inner = expression.this
        if isinstance(expression, exp.Lateral) and isinstance(inner, exp.Subquery) and scope.subquery_scopes:
            # LATERAL (SELECT …) AS x [(names)]: the subquery's outputs, renamed by the column list.
            outputs = self.outputs(scope.subquery_scopes[0])
            if one_row_each(scope):  # a value for each outer row, picked as a scalar subquery's is
                picking = self.picking(scope.subquery_scopes[0])
                outputs = tuple((name, deps.with_indirect(picking)) for name, deps in outputs)
            renamed = expression.alias_column_names or [name for name, _ in outputs]
            return tuple((name, deps) for name, (_, deps) in zip(renamed, outputs, strict=False))
        # UNNEST / LATERAL VIEW / FLATTEN / VALUES: each output is built from all of the inputs.
        inputs = self._inputs(scope)
        derived = exp.Query | exp.Unnest | exp.Lateral | exp.Values | exp.TableFromRows
        names = expression.named_selects if isinstance(expression, derived) else []
        return tuple((name, inputs) for name in names)

    def _inputs(self, scope: Scope) -> Deps:
        """What a table function's outputs are built from: every column among its arguments."""
        resolver = _ScopeResolver(self, scope)
        return Deps.union(expression_deps(child, resolver, Strength.TRANSFORMATION)
                          for child in scope.expression.iter_expressions() if not isinstance(child, exp.TableAlias))

    def _compute_whole(self, scope: Scope) -> frozenset[Indirect]:
        expression = scope.expression
        top = scope is self.root
        resolver = _ScopeResolver(self, scope)
        found: set[Indirect] = set()
        if isinstance(expression, exp.Select):
            feeding = [src for _, src in scope.selected_sources.values()
                       if isinstance(src, Scope) and id(src) not in self._itself and not drops_no_row(src)]
            filtering = [sub for sub in scope.subquery_scopes if not _in_select_list(sub, expression)]
            for child in [*feeding, *filtering]:
                found |= self.whole(child)
            found |= select_indirect(expression, lambda node: expression_deps(node, resolver), top=top)
        elif isinstance(expression, exp.SetOperation):
            for branch in scope.set_operation_scopes:
                found |= self.whole(branch)
            if not isinstance(expression, exp.Union):
                deciding = Deps.union(deps for _, deps in self.outputs(scope.set_operation_scopes[1]))
                found |= deciding.flatten("filter")
            found |= order_indirect(expression, lambda node: expression_deps(node, resolver), top=top)
        else:
            for child in scope.subquery_scopes:
                found |= self.whole(child)
        return frozenset(found)

    def scope_of(self, query: exp.Expr) -> Scope | None:
        node = query.this if isinstance(query, exp.Subquery) else query
        return self._by_expression.get(id(node))


def _item_outputs(item: exp.Expr, resolver: _ScopeResolver) -> list[tuple[str, Deps]]:
    """The outputs of one SELECT item: itself, or each field of a struct it opens (``s.*``,
    ``IF(c, a, b).* EXCEPT (x) REPLACE (f(y) AS y)``), what decides the struct deciding each."""
    star = item.expression if isinstance(item, exp.Dot) else None
    whole = expression_deps(item.this, resolver) if isinstance(star, exp.Star) else None
    if star is None or whole is None or not whole.fields:
        return [(item.alias_or_name, expression_deps(item, resolver))]
    replaced = {r.alias: expression_deps(r.this, resolver) for r in star.args.get("replace") or []}
    left_out = {column.name for column in star.args.get("except_") or []}
    return [(name, replaced.get(name, held.with_indirect(whole.indirect)))
            for name, held in whole.fields.items() if name not in left_out]


def _in_select_list(subquery: Scope, select: exp.Select) -> bool:
    """A subquery read in the SELECT list (for its value, or as ``EXISTS``): it decides the value it
    gives each row, never which rows there are."""
    node: exp.Expr = subquery.expression
    while node.parent is not None and node.parent is not select:
        node = node.parent
    return node.parent is select and node.arg_key == "expressions"


def _self_references(scopes: list[Scope], by_expression: dict[int, Scope]) -> dict[int, Scope]:
    """Each recursive CTE's reference to itself → the CTE's scope.

    sqlglot gives that reference a scope of its own over the anchor (the UNION's first
    branch) and never traverses it; the UNION above the anchor is the CTE.
    """
    traversed = {id(scope) for scope in scopes}
    found: dict[int, Scope] = {}
    for scope in scopes:
        for source in scope.sources.values():
            if isinstance(source, Scope) and id(source) not in traversed:
                cte = by_expression.get(id(source.expression.parent))
                if cte is not None:
                    found[id(source)] = cte
    return found


class _ScopeResolver:
    """Resolves column references met inside one scope (correlated ones in its parents)."""

    def __init__(self, lineage: ScopeLineage, scope: Scope) -> None:
        self.lineage = lineage
        self.scope = scope

    def column(self, column: exp.Column) -> Deps:
        name = column.name
        if not column.table:
            # Only an ORDER BY or DISTINCT ON naming one of the scope's own outputs is left unqualified.
            return self.lineage.output(self.scope, name)
        current: Scope | None = self.scope
        while current is not None:
            source = current.sources.get(column.table)
            if isinstance(source, Scope):
                return self.lineage.output(source, name)
            if isinstance(source, exp.Table):
                if isinstance(source.this, exp.Identifier):
                    return Deps.of((source.name, name))
                return Deps()
            current = current.parent
        raise SqlError(f"cannot resolve column '{column.sql()}'", column=name)

    def query(self, query: exp.Query) -> Deps:
        scope = self.lineage.scope_of(query)
        if scope is None:
            raise SqlError(f"cannot find the scope of a {query.key}")
        deps = Deps.union(deps for _, deps in self.lineage.outputs(scope))
        return deps.with_indirect(self.lineage.picking(scope))
