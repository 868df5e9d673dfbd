"""Pass 3b: whole-output indirect edges of one scope.

The columns that decide which rows a SELECT yields: ``join`` (ON conditions, USING being
rewritten into ON by qualification, and an ASOF JOIN's MATCH_CONDITION), ``filter`` (WHERE,
HAVING, QUALIFY, semi/anti join conditions, predicates with IN / EXISTS / scalar subqueries (a
subquery in the SELECT list filters nothing: see ``scopes``), DISTINCT ON with its ORDER BY, and
Oracle's START WITH; its CONNECT BY joins each row to its parent: ``join``),
``group_by`` (``GROUP BY ALL``: each output that aggregates nothing) and ``sort``. A derived
column used there contributes every base column it depends on, so ``WHERE rn = 1`` over
``ROW_NUMBER() OVER (PARTITION BY u ORDER BY ts)`` gives filter edges
from ``u`` and ``ts``.

``sort`` comes from the top-level ORDER BY, and from an inner ORDER BY only where a
LIMIT / FETCH makes it decide which rows survive. ``DISTINCT ON (k) … ORDER BY o`` keeps the
rows ``QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY o) = 1`` keeps, so ``k`` and ``o``
are filter edges, as they are for that QUALIFY.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from lakekit.core.results import IndirectSubtype
from lakekit.lineage.deps import Deps, Indirect

DepsOf = Callable[[exp.Expr], Deps]

_FILTER_CLAUSES = ("where", "having", "qualify")


def select_indirect(select: exp.Select, deps_of: DepsOf, *, top: bool) -> frozenset[Indirect]:
    """Indirect edges decided by ``select``'s own clauses (not by the scopes it reads).

    >>> import sqlglot
    >>> sel = sqlglot.parse_one("SELECT a FROM t JOIN u ON t.k = u.k WHERE b > 0 GROUP BY a ORDER BY a")
    >>> deps_of = lambda e: Deps.union(Deps.of(("t", c.name)) for c in e.find_all(sqlglot.exp.Column))
    >>> sorted((col, sub) for (_, col), sub in select_indirect(sel, deps_of, top=True))
    [('a', 'group_by'), ('a', 'sort'), ('b', 'filter'), ('k', 'join')]
    """
    found: set[Indirect] = set()

    def add(node: exp.Expr | None, subtype: IndirectSubtype) -> None:
        if node is not None:
            found.update(deps_of(node).flatten(subtype))

    for join in select.args.get("joins") or []:
        semi_or_anti = join.kind in ("SEMI", "ANTI")
        add(join.args.get("on"), "filter" if semi_or_anti else "join")
        add(join.args.get("match_condition"), "join")  # Snowflake ASOF JOIN … MATCH_CONDITION (t.ts >= q.ts)
    for clause in _FILTER_CLAUSES:
        add(select.args.get(clause), "filter")
    connect = select.args.get("connect")
    if isinstance(connect, exp.Connect):  # Oracle START WITH s CONNECT BY PRIOR a = b: s picks the roots
        add(connect.args.get("start"), "filter")
        add(connect.args.get("connect"), "join")
    distinct = select.args.get("distinct")
    if isinstance(distinct, exp.Distinct) and distinct.args.get("on") is not None:
        add(distinct.args["on"], "filter")
        add(select.args.get("order"), "filter")
    group = select.args.get("group")
    add(group, "group_by")
    if isinstance(group, exp.Group) and group.args.get("all"):  # GROUP BY ALL: every output not aggregated
        for item in select.selects:
            if not item.find(exp.AggFunc):
                add(item, "group_by")
    found.update(order_indirect(select, deps_of, top=top))
    return frozenset(found)


def order_indirect(query: exp.Query, deps_of: DepsOf, *, top: bool) -> frozenset[Indirect]:
    """``sort`` edges of ``query``'s ORDER BY (top level, or bounded by LIMIT / FETCH)."""
    order = query.args.get("order")
    bounded = query.args.get("limit") is not None or query.args.get("fetch") is not None
    if order is None or not (top or bounded):
        return frozenset()
    return deps_of(order).flatten("sort")
