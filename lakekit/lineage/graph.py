"""Walks over a list of :class:`ColumnEdge`: what feeds a column, what a column feeds.

A whole-output edge (``target_column == "*"``) reaches every column of its target table:
upstream of ``t.c`` includes the edges into ``t.*``; downstream of a source that reaches
``t.*`` continues from every column of ``t``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from lakekit.core.results import ColumnEdge

ColumnRef = tuple[str, str]
_Step = Callable[[ColumnRef], list[ColumnEdge]]
_Next = Callable[[ColumnEdge], ColumnRef]
_ALL = "*"


def upstream(edges: Iterable[ColumnEdge], table: str, column: str) -> list[ColumnEdge]:
    """Every edge on a path into ``table.column`` (``column="*"``: into any column), sorted.

    >>> es = [ColumnEdge("a", "x", "b", "y", "direct", "identity"),
    ...       ColumnEdge("b", "y", "c", "z", "direct", "transformation"),
    ...       ColumnEdge("a", "k", "c", "*", "indirect", "filter")]
    >>> [(e.source_table, e.source_column) for e in upstream(es, "c", "z")]
    [('a', 'k'), ('a', 'x'), ('b', 'y')]
    """
    into, into_table = _index(edges, lambda e: (e.target_table, e.target_column))

    def incoming(ref: ColumnRef) -> list[ColumnEdge]:
        table, column = ref
        if column == _ALL:
            return into_table[table]
        return into[ref] + into[(table, _ALL)]

    return _walk((table, column), incoming, lambda e: (e.source_table, e.source_column))


def downstream(edges: Iterable[ColumnEdge], table: str, column: str) -> list[ColumnEdge]:
    """Every edge on a path out of ``table.column`` (``column="*"``: out of any column), sorted.

    >>> es = [ColumnEdge("a", "k", "b", "*", "indirect", "join"),
    ...       ColumnEdge("b", "y", "c", "z", "direct", "identity"),
    ...       ColumnEdge("q", "q", "c", "q", "direct", "identity")]
    >>> [(e.target_table, e.target_column) for e in downstream(es, "a", "k")]
    [('b', '*'), ('c', 'z')]
    """
    out_of, out_of_table = _index(edges, lambda e: (e.source_table, e.source_column))

    def outgoing(ref: ColumnRef) -> list[ColumnEdge]:
        return out_of_table[ref[0]] if ref[1] == _ALL else out_of[ref]

    return _walk((table, column), outgoing, lambda e: (e.target_table, e.target_column))


def _index(edges: Iterable[ColumnEdge], end: _Next) -> tuple[dict[ColumnRef, list[ColumnEdge]],
                                                            dict[str, list[ColumnEdge]]]:
    """Edges by the column at one ``end``, and by that column's table."""
    by_column: dict[ColumnRef, list[ColumnEdge]] = defaultdict(list)
    by_table: dict[str, list[ColumnEdge]] = defaultdict(list)
    for edge in edges:
        ref = end(edge)
        by_column[ref].append(edge)
        by_table[ref[0]].append(edge)
    return by_column, by_table


def _walk(start: ColumnRef, step: _Step, next_ref: _Next) -> list[ColumnEdge]:
    found: set[ColumnEdge] = set()
    seen = {start}
    frontier = [start]
    while frontier:
        ref = frontier.pop()
        for edge in step(ref):
            found.add(edge)
            following = next_ref(edge)
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return sorted(found)
