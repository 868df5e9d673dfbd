"""Graphs of named things (tables, runs): what a start reaches, and dependency order. Pure.

One reachability and one ordering serve the SQL project's selections, reruns downstream of a
table and re-executed runs. In the order, the ready item with the smallest name goes first, so
equal inputs always give the same order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Set

from lakekit.errors import Cycle


def reach(starts: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """Every name reached from ``starts`` by following ``edges`` one or more steps (a start is in
    it only when a path leads back to it); names without edges lead nowhere.

    >>> sorted(reach(["a"], {"a": ["b"], "b": ["c", "a"], "d": ["a"]}))
    ['a', 'b', 'c']
    """
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def ordered(needs: Mapping[str, Set[str]]) -> list[str]:
    """Every key of ``needs`` after the keys it needs (names outside ``needs`` are ignored).

    >>> ordered({"c": {"b"}, "b": {"a"}, "a": set(), "d": set()})
    ['a', 'b', 'c', 'd']
    >>> ordered({"x": {"y"}, "y": {"x"}})
    Traceback (most recent call last):
    lakekit.errors.Cycle: x → y → x
    """
    waiting = {k: {d for d in deps if d in needs and d != k} for k, deps in needs.items()}
    users: dict[str, list[str]] = {k: [] for k in waiting}
    for k, deps in waiting.items():
        for d in deps:
            users[d].append(k)
    ready = [k for k, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    done: list[str] = []
    while ready:
        k = heapq.heappop(ready)
        done.append(k)
        for u in users[k]:
            waiting[u].discard(k)
            if not waiting[u]:
                heapq.heappush(ready, u)
    if len(done) < len(waiting):
        raise Cycle(_cycle({k: deps for k, deps in waiting.items() if deps}))
    return done


def _cycle(stuck: Mapping[str, Set[str]]) -> list[str]:
    """One cycle among items that each still wait for another, as a closed walk."""
    path = [min(stuck)]
    while True:
        step = min(d for d in stuck[path[-1]] if d in stuck)
        if step in path:
            return [*path[path.index(step):], step]
        path.append(step)
