"""Column-level lineage of SQL (pure: no I/O).

``column_lineage(sql, dialect, schema, target)`` gives direct and indirect
:class:`~lakekit.core.results.ColumnEdge` s from base-table columns to target columns; the
renderers turn them into JSON, OpenLineage ``columnLineage`` facets and Mermaid; ``upstream``
and ``downstream`` walk a list of edges. The passes, one module each:
``parse`` (statements and targets) → ``qualify`` (sources of every column, after ``pivot``
rewrites PIVOT / UNPIVOT) → ``scopes`` with ``direct`` and ``indirect`` (per-scope lineage) →
``edges`` (the pipeline); ``names`` says how identifiers are spelled and compared. Around
them: ``script`` (statements inside procedures and scripts), ``dml`` (MERGE / UPDATE / DELETE
as queries), ``anonymous`` (names of unaliased outputs), ``sources`` (what a scope's sources hold),
``dictionaries`` (ClickHouse dictionaries read by ``dictGet``).
"""

from lakekit.lineage.deps import Carry
from lakekit.lineage.edges import Traced, ValueCopy, column_lineage, traced, value_copies
from lakekit.lineage.graph import Walks, downstream, upstream
from lakekit.lineage.parse import QUERY_TARGET, LineageWarning
from lakekit.lineage.render import RunNode, edge_records, to_json, to_mermaid, to_openlineage

__all__ = [
    "QUERY_TARGET",
    "Carry",
    "LineageWarning",
    "RunNode",
    "Traced",
    "ValueCopy",
    "Walks",
    "column_lineage",
    "downstream",
    "edge_records",
    "to_json",
    "to_mermaid",
    "to_openlineage",
    "traced",
    "upstream",
    "value_copies",
]
