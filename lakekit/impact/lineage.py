"""``lake.lineage``: walks of the lake's recorded lineage, as graphs, OpenLineage events and Mermaid."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lakekit import runs
from lakekit.core.results import Direction, LineageGraph, StoredEdge
from lakekit.impact import openlineage
from lakekit.impact.graph import Lineage, current_edges, walk, walks
from lakekit.impact.openlineage import Event
from lakekit.lineage.render import RunNode, to_mermaid
from lakekit.storage.delta import Storage

if TYPE_CHECKING:
    from openlineage.client.transport import Transport


class LakeLineage:
    """``lake.lineage``: walks of the lake's recorded column lineage, and its OpenLineage events."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def edges(self) -> list[StoredEdge]:
        """Every column edge of the lake's current lineage (each table's latest transform), with its versions."""
        return current_edges(self._storage)

    def upstream(self, ref: str, hops: int | None = None) -> LineageGraph:
        """Every column (of every table, at its recorded version) that feeds ``ns.table[.column]``;
        with ``hops``, those at most that many edges (or run crossings) away."""
        return walk(self._storage, ref, "upstream", hops)

    def downstream(self, ref: str, hops: int | None = None) -> LineageGraph:
        """Every column and table that ``ns.table[.column]`` feeds, directly or through joins and
        filters; with ``hops``, those at most that many edges (or run crossings) away."""
        return walk(self._storage, ref, "downstream", hops)

    def walks(self, refs: Iterable[tuple[str, Direction]], hops: int | None = None) -> list[LineageGraph]:
        """:meth:`upstream` or :meth:`downstream` of each ``(ref, direction)`` of ``refs``, the
        lineage read once for all of them."""
        return walks(self._storage, refs, hops)

    def walker(self) -> Lineage:
        """The current lineage read and indexed once, for many walks answered by edge position
        (:meth:`Lineage.walked`; :attr:`Lineage.edges` holds the edges, sorted as :meth:`edges`)."""
        return Lineage(self._storage)

    def events(self, since: datetime | None = None) -> list[Event]:
        """The OpenLineage run events (START, then COMPLETE or FAIL) of every recorded transform and
        model run, oldest first; with ``since`` (naive: UTC), those at or after it."""
        return openlineage.events(self._storage, since=_utc(since))

    def emit(self, transport: str | Transport, *, since: datetime | None = None) -> int:
        """Send :meth:`events` through the ``openlineage-python`` client: to ``transport``, an
        OpenLineage endpoint's URL (``http://marquez:5000``) or a client ``Transport``. Returns how
        many events were sent."""
        return openlineage.emit(self.events(since), transport)

    def openlineage(self, graph: LineageGraph) -> list[Event]:
        """The OpenLineage run events of the transforms and runs behind ``graph``'s edges."""
        return openlineage.events(self._storage, transforms={e.transform_id for e in graph.edges},
                                  run_ids=set(graph.runs))

    def mermaid(self, graph: LineageGraph) -> str:
        """``graph`` as a Mermaid flowchart, with the runs it crosses and the versions they read and wrote."""
        crossed = {d.run_id: d for d in runs.run_dependencies(self._storage) if d.run_id in graph.runs}
        names = {r["run_id"]: r["name"] for r in runs.runs(self._storage).to_pylist() if r["run_id"] in crossed}
        return to_mermaid([e.edge for e in graph.edges],
                          [RunNode(f"run {names.get(i, '')} {i}", d.inputs, d.outputs) for i, d in crossed.items()])


def _utc(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
