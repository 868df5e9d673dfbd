"""The lake's lineage graph, over the recorded transforms and runs.

The current lineage of the lake is the column edges of each table's latest transform
(``_lakekit/lineage``), each between pinned versions, and the runs that read and wrote table
versions. ``downstream`` answers "this source column was wrong: what is affected?", through
direct and indirect (join, filter, …) edges and across runs; recomputing what is affected is
:mod:`lakekit.impact.rerun`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
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


def current_edges(storage: Storage) -> list[StoredEdge]:
    """The column edges of every table's latest transform, with their versions."""
    return recorded_edges(storage, {r.transform_id for r in latest_transforms(storage).values()})


def recorded_edges(storage: Storage, transform_ids: Collection[str]) -> list[StoredEdge]:
    """The column edges recorded in ``_lakekit/lineage`` under the given transform ids, sorted."""
    rows = metadata.read(storage, "lineage").to_pylist()
    return sorted(StoredEdge(ColumnEdge(r["source_table"], r["source_column"], r["target_table"], r["target_column"],
                                        r["kind"], r["subtype"]),
                             r["source_version"], r["target_version"], r["transform_id"])
                  for r in rows if r["transform_id"] in transform_ids)


def _reference(ref: str) -> tuple[str, str]:
    """``ns.table.column`` → (``ns.table``, column); ``ns.table`` → (``ns.table``, ``*``)."""
    parts = ref.split(".")
    if len(parts) not in (2, 3):
        raise UsageError(f"a lineage reference is 'namespace.table' or 'namespace.table.column', got '{ref}'")
    table = ".".join(parts[:2])
    split_name(table)
    return table, parts[2] if len(parts) == 3 else "*"


def walk(storage: Storage, ref: str, direction: Direction) -> LineageGraph:
    """Every recorded edge on a path into (upstream) or out of (downstream) ``ref``.

    Model runs sit in the lineage like transforms: a table version a run wrote depends on
    every version the run read, so the walk crosses a run from its inputs to its outputs
    (downstream) or back (upstream), and names the runs it crossed.
    """
    return _walk(storage, current_edges(storage), runs.run_dependencies(storage), ref, direction)


def reach(storage: Storage, tables: Iterable[str], direction: Direction) -> set[str]:
    """Every table reached from any of ``tables`` (the lineage read once for all of them)."""
    stored, deps = current_edges(storage), runs.run_dependencies(storage)
    return {t for table in tables for t in _walk(storage, stored, deps, table, direction).tables}


def _walk(storage: Storage, stored: Sequence[StoredEdge], deps: Sequence[runs.RunDependency], ref: str,
          direction: Direction) -> LineageGraph:
    table, column = _reference(ref)
    edges = [e.edge for e in stored]
    known = {e.source_table for e in edges} | {e.target_table for e in edges}
    if table not in known and not storage.exists(table):
        raise UsageError(f"no table '{table}' in the lake or its lineage")
    if column != "*" and column not in _columns(storage, edges, table):
        raise ColumnNotFound(table, column)
    up = direction == "upstream"
    step = lineage.upstream if up else lineage.downstream

    def far(e: ColumnEdge) -> str:
        return e.source_table if up else e.target_table

    reached = set(step(edges, table, column))
    near = {table} | {far(e) for e in reached}
    crossed: list[str] = []
    while hops := [d for d in deps if d.run_id not in crossed and near & set(d.outputs if up else d.inputs)]:
        for d in hops:
            crossed.append(d.run_id)
            for other in set(d.inputs if up else d.outputs) - near:
                more = step(edges, other, "*")
                reached |= set(more)
                near |= {other} | {far(e) for e in more}
    found = tuple(e for e in stored if e.edge in reached)
    return LineageGraph(ref, direction, found, tuple(sorted(near - {table})), tuple(crossed))


def _columns(storage: Storage, edges: Sequence[ColumnEdge], table: str) -> set[str]:
    """The columns ``table`` has now or had in a recorded edge."""
    named = {e.source_column for e in edges if e.source_table == table}
    named |= {e.target_column for e in edges if e.target_table == table}
    return named | (set(storage.open(table).schema().to_arrow().names) if storage.exists(table) else set())
