"""Pass 3a: what one expression depends on, value by value.

:func:`expression_deps` walks one qualified expression and returns its :class:`Deps`:
columns whose values flow into it (identity when read as is, transformation through any
function or operator, aggregation through an aggregate, windowed or not) and the columns
that decide it without flowing into it: ``window`` (PARTITION BY / ORDER BY of its window)
and ``conditional`` (conditions of CASE WHEN / IF / IFF / FILTER (WHERE …), the tested value
of NVL2, the operand and searched values of DECODE). Column
references are resolved by the caller, so this pass knows nothing of scopes.

A field read from a struct (``widget.asset.id``) is the nested column ``widget.asset.id`` of the
table the struct comes from; a key read from a struct or object built in the query (``STRUCT(a
AS k).k``, ``OBJECT_CONSTRUCT('K', a):K``) is what was put under it (:meth:`Deps.field`).
"""

from __future__ import annotations

from typing import Protocol

from sqlglot import exp

from lakekit.lineage.deps import Carry, Deps, Strength
from lakekit.lineage.dictionaries import dictionary_column

# Window functions that copy a value from another row rather than aggregate one.
_VALUE_WINDOW_FUNCTIONS = (exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue)
# Expressions whose result is one of their inputs' values, normalised or as is (an array's or map's
# element among them: a struct's fields are read through it).
_FOLDING = (exp.Lower, exp.Upper, exp.Trim, exp.Initcap, exp.Cast, exp.TryCast, exp.Coalesce, exp.Nullif,
            exp.Min, exp.Max, exp.First, exp.Last, exp.AnyValue, exp.IgnoreNulls, exp.RespectNulls,
            exp.ArgMax, exp.ArgMin, exp.Distinct, exp.Bracket, exp.Explode, exp.Inline, *_VALUE_WINDOW_FUNCTIONS)
# Expressions whose result holds their inputs' values inside a larger one.
_EMBEDDING = (exp.Concat, exp.ConcatWs, exp.DPipe, exp.Format, exp.JSONExtract, exp.JSONExtractScalar,
              exp.JSONBExtract, exp.JSONBExtractScalar, exp.ParseJSON, exp.JSONObject, exp.Struct, exp.Array,
              exp.ArrayAgg, exp.GroupConcat, exp.PropertyEQ, exp.Anonymous, exp.Replace, exp.RegexpReplace,
              exp.Substring, exp.Left, exp.Right, exp.SplitPart, exp.RegexpExtract)


class Resolver(Protocol):
    """Turns a column reference or a subquery into the base columns behind it."""

    def column(self, column: exp.Column) -> Deps: ...

    def query(self, query: exp.Query) -> Deps: ...


def expression_deps(node: exp.Expr, resolve: Resolver, floor: Strength = Strength.IDENTITY) -> Deps:
    """Base columns behind ``node``; direct subtypes are at least ``floor``.

    >>> import sqlglot
    >>> class Bare:
    ...     def column(self, column): return Deps.of(("t", column.name))
    ...     def query(self, query): return Deps()
    >>> deps = expression_deps(sqlglot.parse_one("SUM(CASE WHEN k > 0 THEN v END)"), Bare())
    >>> sorted((c, s.subtype) for c, s in deps.direct.items()), sorted(deps.indirect)
    ([(('t', 'v'), 'aggregation')], [(('t', 'k'), 'conditional')])
    """
    if isinstance(node, exp.Column):
        if isinstance(node.this, exp.Star) or bound_by_lambda(node):
            return Deps()
        return resolve.column(node).at_least(floor)
    access = _field_access(node)
    if access is not None:
        value, path = access
        found = expression_deps(value, resolve, floor).field(path, nested=isinstance(node, exp.Dot))
        if found is not None:
            return found.at_least(floor)
    if isinstance(node, exp.Struct):
        return _built(node, resolve)
    if isinstance(node, exp.Alias | exp.Paren):
        return expression_deps(node.this, resolve, floor)
    if isinstance(node, exp.Star):  # its EXCEPT names what it leaves out
        return Deps()
    if isinstance(node, exp.Exists):  # decided by what picks the subquery's rows, not by what it selects
        return Deps(indirect=resolve.query(node.this).indirect) if isinstance(node.this, exp.Query) else Deps()
    if isinstance(node, exp.Subquery | exp.Query):
        return resolve.query(node).at_least(floor)
    if isinstance(node, exp.Window):
        spec = [*node.args.get("partition_by", []), node.args.get("order")]
        window = Deps.union(expression_deps(part, resolve) for part in spec if part is not None)
        return expression_deps(node.this, resolve, floor).with_indirect(window.flatten("window"))
    value_floor = max(floor, Strength.TRANSFORMATION)
    if isinstance(node, exp.Case):
        return _conditional(resolve, value_floor, [node.this], [*node.args.get("ifs", []), node.args.get("default")])
    if isinstance(node, exp.If | exp.Nvl2):  # NVL2(c, a, b): a where c is not NULL, else b
        return _conditional(resolve, value_floor, [node.this], [node.args.get("true"), node.args.get("false")])
    if isinstance(node, exp.DecodeCase) and node.expressions:  # DECODE(k, v1, r1, …, default): a CASE on k
        operand, *rest = node.expressions
        paired = len(rest) - len(rest) % 2
        results = [*rest[1:paired:2], *rest[paired:]]
        return _conditional(resolve, value_floor, [operand, *rest[0:paired:2]], results)
    if isinstance(node, exp.Filter):
        return _conditional(resolve, floor, [node.expression], [node.this])
    if isinstance(node, exp.AggFunc) and not isinstance(node, _VALUE_WINDOW_FUNCTIONS):
        value_floor = Strength.AGGREGATION
    deps = Deps.union(expression_deps(child, resolve, value_floor) for child in node.iter_expressions())
    looked_up = dictionary_column(node) if isinstance(node, exp.Anonymous) else None
    if looked_up is not None:
        deps = deps.merge(Deps.of(looked_up).at_least(value_floor))
    return deps.carrying(_carry(node))


def _field_access(node: exp.Expr) -> tuple[exp.Expr, list[str]] | None:
    """The value and the path of fields a node reads from it: ``widget.asset.id`` (a struct's field,
    as sqlglot qualifies it: the column ``widget``), ``obj:a.b`` / ``GET(obj, 'a')`` / ``obj['a']``
    (an object's key); None for any other node."""
    if isinstance(node, exp.Dot):
        path: list[str] = []
        current: exp.Expr = node
        while isinstance(current, exp.Dot) and isinstance(current.expression, exp.Identifier):
            path.append(current.expression.name)
            current = current.this
        if isinstance(current, exp.Dot) or (isinstance(current, exp.Column) and isinstance(current.this, exp.Star)):
            return None
        return current, path[::-1]
    if isinstance(node, exp.JSONExtract | exp.JSONExtractScalar) and isinstance(node.expression, exp.JSONPath):
        steps = node.expression.expressions
        if steps and isinstance(steps[0], exp.JSONPathRoot) and all(isinstance(step, exp.JSONPathKey)
                                                                     for step in steps[1:]):
            return node.this, [str(step.this) for step in steps[1:]]
        return None
    keys = node.expressions if isinstance(node, exp.Bracket) else [node.expression]
    if isinstance(node, exp.Bracket | exp.GetExtract) and len(keys) == 1 and isinstance(keys[0], exp.Literal) \
            and keys[0].is_string:
        return node.this, [keys[0].name]
    return None


def _built(node: exp.Struct, resolve: Resolver) -> Deps:
    """``STRUCT(a AS k, b)`` / ``OBJECT_CONSTRUCT('k', a)``: what each field holds."""
    fields: dict[str, Deps] = {}
    unnamed: list[Deps] = []
    for item in node.expressions:
        value = item.expression if isinstance(item, exp.PropertyEQ) else item
        deps = expression_deps(value, resolve, Strength.TRANSFORMATION)
        name = item.this.name if isinstance(item, exp.PropertyEQ) else item.alias_or_name
        if name:
            fields[name] = fields[name].merge(deps) if name in fields else deps
        else:
            unnamed.append(deps)
    return Deps.built(fields).merge(Deps.union(unnamed).carrying(Carry.EMBEDDED))


def _carry(node: exp.Expr) -> Carry | None:
    """How ``node`` keeps its inputs' values (see :class:`Carry`); None when it keeps none."""
    if isinstance(node, _FOLDING):
        return Carry.FOLDED
    if isinstance(node, _EMBEDDING):
        return Carry.EMBEDDED
    return None


def _conditional(resolve: Resolver, floor: Strength, conditions: list[exp.Expr | None],
                 values: list[exp.Expr | None]) -> Deps:
    decided = Deps.union(expression_deps(c, resolve) for c in conditions if c is not None)
    flowing = Deps.union(expression_deps(v, resolve, floor) for v in values if v is not None)
    return flowing.with_indirect(decided.flatten("conditional"))


def bound_by_lambda(column: exp.Column) -> bool:
    """An unqualified name bound by an enclosing lambda (``x`` in ``x -> x + 1``)."""
    if column.table:
        return False
    lam = column.find_ancestor(exp.Lambda)
    while lam is not None:
        if any(param.name == column.name for param in lam.expressions):
            return True
        lam = lam.find_ancestor(exp.Lambda)
    return False
