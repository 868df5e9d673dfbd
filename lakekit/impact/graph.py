"""The lake's lineage graph, over the recorded transforms and runs.

The current lineage of the lake is the column edges of each table's latest transform
(``_lakekit/lineage``), each between pinned versions, and the runs that read and wrote table
versions. ``downstream`` answers "this source column was wrong: what is affected?", through
direct and indirect (join, filter, …) edges and across runs; recomputing what is affected is
:mod:`lakekit.impact.rerun`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from lakekit import lineage, runs, transform
from lakekit.core.results import ColumnEdge, Direction, LineageGraph, StoredEdge, WriteMode
from lakekit.errors import ColumnNotFound, UsageError
from lakekit.index import metadata
from lakekit.index.heal import heal
from lakekit.storage.delta import Storage
from lakekit.storage.roots import split_name


@dataclass(frozen=True)
class Recorded:
    """The latest recorded transform of one table."""

    table: str
    version: int
    transform_id: str
    sql: str
    dialect: str
    mode: WriteMode
    keys: tuple[str, ...]
    inputs: dict[str, int]
    source: str | None
    incremental: bool


def latest_transforms(storage: Storage) -> dict[str, Recorded]:
    """Table → its latest recorded transform (the index healed first from the tables' own commits)."""
    heal(storage, (transform.TRANSFORMS,))
    latest: dict[str, Recorded] = {}
    for r in sorted(metadata.read(storage, "transforms").to_pylist(), key=lambda r: r["version"]):
        latest[r["table"]] = Recorded(r["table"], r["version"], r["transform_id"], r["sql"], r["dialect"], r["mode"],
                                      tuple(json.loads(r["keys"] or "[]")), json.loads(r["inputs"] or "{}"),
                                      r["source"], bool(r["incremental"]))
    return latest


_EDGE_FIELDS = ("source_table", "source_column", "target_table", "target_column", "kind", "subtype",
                "source_version", "target_version", "transform_id")
"""A stored edge's columns in ``_lakekit/lineage``, in the order :class:`StoredEdge` sorts by."""


def current_edges(storage: Storage) -> list[StoredEdge]:
    """The column edges of every table's latest transform, with their versions."""
    return recorded_edges(storage, {r.transform_id for r in latest_transforms(storage).values()})


def recorded_edges(storage: Storage, transform_ids: Collection[str]) -> list[StoredEdge]:
    """The column edges recorded in ``_lakekit/lineage`` under the given transform ids, sorted."""
    columns = metadata.read(storage, "lineage", where=("transform_id", transform_ids)).select(
        list(_EDGE_FIELDS)).to_pydict()
    rows = sorted(zip(*(columns[c] for c in _EDGE_FIELDS), strict=True))  # as the edges sort, with no object made
    return [StoredEdge(ColumnEdge(*r[:6]), *r[6:]) for r in rows]


def _reference(ref: str) -> tuple[str, str]:
    """``ns.table.column`` → (``ns.table``, column); ``ns.table`` → (``ns.table``, ``*``)."""
    parts = ref.split(".")
    if len(parts) not in (2, 3):
        raise UsageError(f"a lineage reference is 'namespace.table' or 'namespace.table.column', got '{ref}'")
    table = ".".join(parts[:2])
    split_name(table)
    return table, parts[2] if len(parts) == 3 else "*"


def walk(storage: Storage, ref: str, direction: Direction, hops: int | None = None) -> LineageGraph:
    """Every recorded edge on a path into (upstream) or out of (downstream) ``ref``, of at most
    ``hops`` hops (None: any).

    Model runs sit in the lineage like transforms: a table version a run wrote depends on
    every version the run read, so the walk crosses a run from its inputs to its outputs
    (downstream) or back (upstream), and names the runs it crossed. Crossing a run is one hop,
    as is each column edge; the runs are crossed nearest first.
    """
    return walks(storage, [(ref, direction)], hops)[0]


def walks(storage: Storage, refs: Iterable[tuple[str, Direction]], hops: int | None = None) -> list[LineageGraph]:
    """:func:`walk` of each ``(ref, direction)`` of ``refs``, the lineage read and indexed once for all."""
    known = Lineage(storage)
    return [known.walk(ref, direction, hops) for ref, direction in refs]


def reach(storage: Storage, tables: Iterable[str], direction: Direction) -> set[str]:
    """Every table reached from any of ``tables`` (the lineage read once for all of them)."""
    return {t for graph in walks(storage, ((t, direction) for t in tables)) for t in graph.tables}


@dataclass(frozen=True)
class Walked:
    """A :func:`walk` by positions: each edge reached, as its position in :attr:`Lineage.edges`,
    with its hops; the tables reached and the runs crossed, as :class:`LineageGraph` has them."""

    reached: dict[int, int]
    tables: tuple[str, ...]
    runs: tuple[str, ...]


class Lineage:
    """The lake's current lineage read once (:attr:`edges`, sorted), its edges indexed for walks,
    the runs' dependencies indexed by the tables they read and write, and the columns of each
    table met so far."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.edges = current_edges(storage)  # sorted: positions sort as the edges do
        self._deps = runs.run_dependencies(storage)
        self._walks = lineage.Walks(s.edge for s in self.edges)
        self._named: dict[str, set[str]] = defaultdict(set)
        for e in self._walks.edges:
            self._named[e.source_table].add(e.source_column)
            self._named[e.target_table].add(e.target_column)
        self._ends = {"upstream": [e.source_table for e in self._walks.edges],
                      "downstream": [e.target_table for e in self._walks.edges]}
        self.tables = sorted({t for e in self._walks.edges for t in (e.source_table, e.target_table)}
                             | {t for d in self._deps for t in (*d.inputs, *d.outputs)})
        """Every table an edge or a run names: a walk reaches no other."""
        self._runs_at: dict[bool, dict[str, list[int]]] = {True: defaultdict(list), False: defaultdict(list)}
        for i, dep in enumerate(self._deps):  # a run is met upstream at its outputs, downstream at its inputs
            for t in dep.outputs:
                self._runs_at[True][t].append(i)
            for t in dep.inputs:
                self._runs_at[False][t].append(i)
        self._columns: dict[str, set[str]] = {}
        self._whole: dict[Direction, dict[tuple[str, int | None], dict[int, int]]] = {"upstream": {},
                                                                                      "downstream": {}}

    def columns(self, table: str) -> set[str]:
        """The columns of ``table`` an edge of this lineage names (``*``: the whole table)."""
        return set(self._named.get(table, ()))

    def walk(self, ref: str, direction: Direction, hops: int | None) -> LineageGraph:
        """:func:`walk` of ``ref`` over this lineage."""
        walked = self.walked(ref, direction, hops)
        found = sorted(walked.reached)
        return LineageGraph(ref, direction, tuple(self.edges[i] for i in found), walked.tables, walked.runs,
                            tuple(walked.reached[i] for i in found))

    def walked(self, ref: str, direction: Direction, hops: int | None, *, check: bool = True) -> Walked:
        """:meth:`walk` by positions in :attr:`edges` (for many walks, nothing built per edge);
        ``check=False`` when the caller knows ``ref``'s column is one its table has or had (no
        table opened to check it)."""
        table, column = _reference(ref)
        if check:
            self._check(table, column)
        up = direction == "upstream"
        step = self._walks.upstream if up else self._walks.downstream
        whole = self._whole[direction]
        far = self._ends[direction]
        reached = step(table, column, hops)
        depth = {table: 0}
        for edge, hop in reached.items():  # in the order walked, nearest first: the first is a table's depth
            depth.setdefault(far[edge], hop)

        def note(found: dict[int, int], offset: int) -> None:
            for edge, hop in found.items():
                at = hop + offset
                if reached.get(edge, at + 1) > at:
                    reached[edge] = at
                if depth.get(far[edge], at + 1) > at:
                    depth[far[edge]] = at

        crossed: list[int] = []
        while nearest := self._nearest_run(depth, crossed, up, hops):
            at, i = nearest
            crossed.append(i)
            dep = self._deps[i]
            for other in sorted(set(dep.inputs if up else dep.outputs) - depth.keys()):
                depth[other] = at
                left = None if hops is None else hops - at
                if (other, left) not in whole:  # a run's table is crossed by many walks: walked once
                    whole[other, left] = step(other, "*", left)
                note(whole[other, left], at)
        return Walked(reached, tuple(sorted(depth.keys() - {table})), tuple(self._deps[i].run_id for i in crossed))

    def _nearest_run(self, depth: dict[str, int], crossed: Collection[int], up: bool,
                     hops: int | None) -> tuple[int, int] | None:
        """The run not yet crossed next to the tables reached (the first in run order of the
        nearest; by its position), and the hops to it; None when no run is within ``hops``."""
        at = self._runs_at[up]
        best: tuple[int, int] | None = None
        for i in sorted({i for t in depth for i in at.get(t, ())}):
            dep = self._deps[i]
            ends = [depth[t] for t in (dep.outputs if up else dep.inputs) if t in depth]
            if i in crossed or (hops is not None and min(ends) + 1 > hops):
                continue
            if best is None or min(ends) + 1 < best[0]:
                best = (min(ends) + 1, i)
        return best

    def _check(self, table: str, column: str) -> None:
        """A table in the lake or its lineage, and a column it has now or had in a recorded edge."""
        if column in self._named.get(table, ()) or (column == "*" and table in self._named):
            return
        if table not in self._columns:
            if table not in self._named and not self._storage.exists(table):
                raise UsageError(f"no table '{table}' in the lake or its lineage")
            now = set(self._storage.open(table).schema().to_arrow().names) if self._storage.exists(table) else set()
            self._columns[table] = self._named.get(table, set()) | now | {"*"}
        if column not in self._columns[table]:
            raise ColumnNotFound(table, column)
