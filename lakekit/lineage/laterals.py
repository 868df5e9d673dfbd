"""LATERAL subqueries (and T-SQL APPLY) that give each outer row one value, as a scalar subquery does.

A LATERAL subquery yielding at most one row per outer row (an aggregate without GROUP BY, or
LIMIT / TOP / FETCH FIRST 1) picks, for each row, the value of each of its outputs: what picks its
rows (its WHERE, its joins, the correlation with the outer row) is conditional into those outputs.
It decides which outer rows there are only where an empty result drops the row: joined inner
(comma, CROSS JOIN, CROSS APPLY) and able to yield no row. Joined LEFT or by OUTER APPLY, or an
aggregate without GROUP BY or HAVING (always one row), it drops none: its WHERE is no edge into ``*``.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope


def one_row_each(lateral: Scope) -> bool:
    """A ``LATERAL (SELECT …)`` yielding at most one row per outer row.

    >>> import sqlglot
    >>> from sqlglot.optimizer.scope import build_scope
    >>> q = sqlglot.parse_one("SELECT x.n FROM a, LATERAL (SELECT count(*) AS n FROM b WHERE b.k = a.k) x")
    >>> [one_row_each(s) for s in build_scope(q).traverse() if isinstance(s.expression, sqlglot.exp.Lateral)]
    [True]
    """
    select = _select(lateral)
    if select is None:
        return False
    limit = select.args.get("limit")
    count = limit.expression if isinstance(limit, exp.Limit) else limit.args.get("count") if isinstance(
        limit, exp.Fetch) else None
    if isinstance(count, exp.Literal) and count.name == "1":
        return True
    return _aggregated(select)


def drops_no_row(lateral: Scope) -> bool:
    """A lateral of :func:`one_row_each` that leaves every outer row: joined LEFT / FULL or by OUTER
    APPLY, or an aggregate without GROUP BY or HAVING (one row, whatever its WHERE finds)."""
    select = _select(lateral)
    if select is None or not one_row_each(lateral):
        return False
    node = lateral.expression
    join = node.parent if isinstance(node.parent, exp.Join) else None
    outer = node.args.get("cross_apply") is False or (join is not None and join.side in ("LEFT", "FULL"))
    return outer or (_aggregated(select) and select.args.get("having") is None)


def _select(lateral: Scope) -> exp.Select | None:
    node = lateral.expression
    if not isinstance(node, exp.Lateral) or not isinstance(node.this, exp.Subquery) or not lateral.subquery_scopes:
        return None
    select = lateral.subquery_scopes[0].expression
    return select if isinstance(select, exp.Select) else None


def _aggregated(select: exp.Select) -> bool:
    """Aggregates every row into one: an aggregate outside any window, and no GROUP BY."""
    return select.args.get("group") is None and any(
        isinstance(agg.find_ancestor(exp.Window, exp.Select), exp.Select)
        for item in select.selects for agg in item.find_all(exp.AggFunc))
