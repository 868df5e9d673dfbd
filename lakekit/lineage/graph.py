"""Walks over a list of :class:`ColumnEdge`: what feeds a column, what a column feeds.

A whole-output edge (``target_column == "*"``) reaches every column of its target table:
upstream of ``t.c`` includes the edges into ``t.*``; downstream of a source that reaches
``t.*`` continues from every column of ``t``. :class:`Walks` indexes the edges once for many
walks; a walk may stop after a number of hops (edges on the path from the start column).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from lakekit.core.results import ColumnEdge

ColumnRef = tuple[str, str]
_Step = Callable[[ColumnRef], list[int]]
_ALL = "*"


class Walks:
    """``edges`` indexed by the column at each end, for walks up- and downstream of any column. A
    walk answers positions in ``edges`` (cheap to hash and sort, however many walks are made)."""

    def __init__(self, edges: Iterable[ColumnEdge]) -> None:
        self.edges = list(edges)
        into, into_table = _index(self.edges, lambda e: (e.target_table, e.target_column))
        out_of, out_of_table = _index(self.edges, lambda e: (e.source_table, e.source_column))

        def incoming(ref: ColumnRef) -> list[int]:
            if ref[1] == _ALL:
                return into_table.get(ref[0], [])
            return into.get(ref, []) + into.get((ref[0], _ALL), [])

        def outgoing(ref: ColumnRef) -> list[int]:
            return out_of_table.get(ref[0], []) if ref[1] == _ALL else out_of.get(ref, [])

        self._up = _Steps(incoming, [(e.source_table, e.source_column) for e in self.edges])
        self._down = _Steps(outgoing, [(e.target_table, e.target_column) for e in self.edges])

    def upstream(self, table: str, column: str, hops: int | None = None) -> dict[int, int]:
        """Every edge on a path into ``table.column`` (``column="*"``: into any column) of at most
        ``hops`` edges (None: any): its position in :attr:`edges` → the hops from the start to it
        (1: into the start), nearest first."""
        return self._up.walk((table, column), hops)

    def downstream(self, table: str, column: str, hops: int | None = None) -> dict[int, int]:
        """Every edge on a path out of ``table.column`` (``column="*"``: out of any column) of at
        most ``hops`` edges (None: any): its position in :attr:`edges` → the hops from the start to
        it (1: out of the start), nearest first."""
        return self._down.walk((table, column), hops)


class _Steps:
    """The steps of one direction: from each column (numbered as first met), the edges taken
    and the column each leads to, found once and kept for every later walk."""

    def __init__(self, step: _Step, ends: list[ColumnRef]) -> None:
        self._step, self._ends = step, ends
        self._numbers: dict[ColumnRef, int] = {}
        self._steps: list[list[tuple[int, int]] | None] = []
        self._refs: list[ColumnRef] = []

    def _number(self, ref: ColumnRef) -> int:
        number = self._numbers.get(ref)
        if number is None:
            number = self._numbers[ref] = len(self._refs)
            self._refs.append(ref)
            self._steps.append(None)
        return number

    def _from(self, node: int) -> list[tuple[int, int]]:
        steps = self._steps[node]
        if steps is None:
            steps = self._steps[node] = [(e, self._number(self._ends[e])) for e in self._step(self._refs[node])]
        return steps

    def walk(self, start: ColumnRef, hops: int | None) -> dict[int, int]:
        """Breadth first from ``start``: each edge found, with the hops to it (its fewest)."""
        found: dict[int, int] = {}
        first = self._number(start)
        seen = {first}
        frontier = [first]
        depth = 0
        known = self._steps
        while frontier and (hops is None or depth < hops):
            depth += 1
            following: list[int] = []
            for node in frontier:
                for edge, ahead in known[node] or self._from(node):
                    if edge in found:  # met nearer (or as near): where it leads is walked already
                        continue
                    found[edge] = depth
                    if ahead not in seen:
                        seen.add(ahead)
                        following.append(ahead)
            frontier = following
        return found


def upstream(edges: Iterable[ColumnEdge], table: str, column: str) -> list[ColumnEdge]:
    """Every edge on a path into ``table.column`` (``column="*"``: into any column), sorted.

    >>> es = [ColumnEdge("a", "x", "b", "y", "direct", "identity"),
    ...       ColumnEdge("b", "y", "c", "z", "direct", "transformation"),
    ...       ColumnEdge("a", "k", "c", "*", "indirect", "filter")]
    >>> [(e.source_table, e.source_column) for e in upstream(es, "c", "z")]
    [('a', 'k'), ('a', 'x'), ('b', 'y')]
    """
    walks = Walks(edges)
    return sorted({walks.edges[i] for i in walks.upstream(table, column)})


def downstream(edges: Iterable[ColumnEdge], table: str, column: str) -> list[ColumnEdge]:
    """Every edge on a path out of ``table.column`` (``column="*"``: out of any column), sorted.

    >>> es = [ColumnEdge("a", "k", "b", "*", "indirect", "join"),
    ...       ColumnEdge("b", "y", "c", "z", "direct", "identity"),
    ...       ColumnEdge("q", "q", "c", "q", "direct", "identity")]
    >>> [(e.target_table, e.target_column) for e in downstream(es, "a", "k")]
    [('b', '*'), ('c', 'z')]
    >>> Walks(es).downstream("a", "k", hops=1)
    {0: 1}
    """
    walks = Walks(edges)
    return sorted({walks.edges[i] for i in walks.downstream(table, column)})


def _index(edges: Sequence[ColumnEdge], end: Callable[[ColumnEdge], ColumnRef]) -> tuple[
        dict[ColumnRef, list[int]], dict[str, list[int]]]:
    """Positions of edges by the column at one ``end``, and by that column's table."""
    by_column: dict[ColumnRef, list[int]] = defaultdict(list)
    by_table: dict[str, list[int]] = defaultdict(list)
    for i, edge in enumerate(edges):
        ref = end(edge)
        by_column[ref].append(i)
        by_table[ref[0]].append(i)
    return dict(by_column), dict(by_table)
