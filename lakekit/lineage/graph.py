"""Walks over a list of :class:`ColumnEdge`: what feeds a column, what a column feeds.

A whole-output edge (``target_column == "*"``) reaches every column of its target table:
upstream of ``t.c`` includes the edges into ``t.*``; downstream of a source that reaches
``t.*`` continues from every column of ``t``. :class:`Walks` indexes the edges once for many
walks; a walk may stop after a number of hops (edges on the path from the start column).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from lakekit.core.results import ColumnEdge

ColumnRef = tuple[str, str]
_Step = Callable[[ColumnRef], list[ColumnEdge]]
_Next = Callable[[ColumnEdge], ColumnRef]
_ALL = "*"


class Walks:
    """``edges`` indexed by the column at each end, for walks up- and downstream of any column."""

    def __init__(self, edges: Iterable[ColumnEdge]) -> None:
        listed = list(edges)
        self._into, self._into_table = _index(listed, lambda e: (e.target_table, e.target_column))
        self._out_of, self._out_of_table = _index(listed, lambda e: (e.source_table, e.source_column))

    def upstream(self, table: str, column: str, hops: int | None = None) -> dict[ColumnEdge, int]:
        """Every edge on a path into ``table.column`` (``column="*"``: into any column) of at most
        ``hops`` edges (None: any), with the hops from the start to it (1: into the start)."""
        def incoming(ref: ColumnRef) -> list[ColumnEdge]:
            if ref[1] == _ALL:
                return self._into_table.get(ref[0], [])
            return self._into.get(ref, []) + self._into.get((ref[0], _ALL), [])

        return _walk((table, column), incoming, lambda e: (e.source_table, e.source_column), hops)

    def downstream(self, table: str, column: str, hops: int | None = None) -> dict[ColumnEdge, int]:
        """Every edge on a path out of ``table.column`` (``column="*"``: out of any column) of at
        most ``hops`` edges (None: any), with the hops from the start to it (1: out of the start)."""
        def outgoing(ref: ColumnRef) -> list[ColumnEdge]:
            return self._out_of_table.get(ref[0], []) if ref[1] == _ALL else self._out_of.get(ref, [])

        return _walk((table, column), outgoing, lambda e: (e.target_table, e.target_column), hops)


def upstream(edges: Iterable[ColumnEdge], table: str, column: str) -> list[ColumnEdge]:
    """Every edge on a path into ``table.column`` (``column="*"``: into any column), sorted.

    >>> es = [ColumnEdge("a", "x", "b", "y", "direct", "identity"),
    ...       ColumnEdge("b", "y", "c", "z", "direct", "transformation"),
    ...       ColumnEdge("a", "k", "c", "*", "indirect", "filter")]
    >>> [(e.source_table, e.source_column) for e in upstream(es, "c", "z")]
    [('a', 'k'), ('a', 'x'), ('b', 'y')]
    """
    return sorted(Walks(edges).upstream(table, column))


def downstream(edges: Iterable[ColumnEdge], table: str, column: str) -> list[ColumnEdge]:
    """Every edge on a path out of ``table.column`` (``column="*"``: out of any column), sorted.

    >>> es = [ColumnEdge("a", "k", "b", "*", "indirect", "join"),
    ...       ColumnEdge("b", "y", "c", "z", "direct", "identity"),
    ...       ColumnEdge("q", "q", "c", "q", "direct", "identity")]
    >>> [(e.target_table, e.target_column) for e in downstream(es, "a", "k")]
    [('b', '*'), ('c', 'z')]
    >>> [(e.target_table, e.target_column) for e in Walks(es).downstream("a", "k", hops=1)]
    [('b', '*')]
    """
    return sorted(Walks(edges).downstream(table, column))


def _index(edges: Iterable[ColumnEdge], end: _Next) -> tuple[dict[ColumnRef, list[ColumnEdge]],
                                                            dict[str, list[ColumnEdge]]]:
    """Edges by the column at one ``end``, and by that column's table."""
    by_column: dict[ColumnRef, list[ColumnEdge]] = defaultdict(list)
    by_table: dict[str, list[ColumnEdge]] = defaultdict(list)
    for edge in edges:
        ref = end(edge)
        by_column[ref].append(edge)
        by_table[ref[0]].append(edge)
    return dict(by_column), dict(by_table)


def _walk(start: ColumnRef, step: _Step, next_ref: _Next, hops: int | None) -> dict[ColumnEdge, int]:
    """Breadth first from ``start``: each edge found, with the hops to it (its fewest)."""
    found: dict[ColumnEdge, int] = {}
    seen = {start}
    frontier = [start]
    depth = 0
    while frontier and (hops is None or depth < hops):
        depth += 1
        following: list[ColumnRef] = []
        for ref in frontier:
            for edge in step(ref):
                found.setdefault(edge, depth)
                ahead = next_ref(edge)
                if ahead not in seen:
                    seen.add(ahead)
                    following.append(ahead)
        frontier = following
    return found
