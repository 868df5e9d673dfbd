"""Edges for machines and people: JSON, OpenLineage ``columnLineage`` facets, Mermaid, rows.

All pure: each function returns a value and prints nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lakekit.core.results import ColumnEdge

OPENLINEAGE_SCHEMA_URL = (
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
)
PRODUCER = "https://github.com/lakekit/lakekit"
WHOLE_OUTPUT = "*"


def edge_records(edges: Iterable[ColumnEdge]) -> list[dict[str, Any]]:
    """One flat dict per edge, in the given order (for tables and JSON)."""
    return [edge.asdict() for edge in edges]


def to_json(edges: Iterable[ColumnEdge]) -> str:
    """The edges as a JSON array of objects.

    >>> import json
    >>> json.loads(to_json([ColumnEdge("raw.t", "a", "clean.t", "b", "direct", "identity")]))[0]["subtype"]
    'identity'
    """
    return json.dumps(edge_records(edges))


def to_openlineage(edges: Iterable[ColumnEdge], namespace: str = "lakekit",
                   producer: str = PRODUCER) -> dict[str, dict[str, Any]]:
    """One OpenLineage ``columnLineage`` dataset facet per target table, keyed by its name.

    Per-column edges go to ``fields[column].inputFields``; whole-output edges
    (``target_column == "*"``) go to ``dataset``, as the facet's spec 1-2-0 places them.
    Each input field lists its transformations as ``{"type": "DIRECT"|"INDIRECT",
    "subtype": "IDENTITY"|…}``.

    >>> facet = to_openlineage([ColumnEdge("raw.t", "k", "clean.t", "*", "indirect", "filter")])["clean.t"]
    >>> facet["dataset"][0]["transformations"]
    [{'type': 'INDIRECT', 'subtype': 'FILTER'}]
    """
    grouped: dict[str, dict[str, dict[tuple[str, str], list[dict[str, str]]]]] = {}
    for edge in sorted(edges):
        by_column = grouped.setdefault(edge.target_table, {})
        by_source = by_column.setdefault(edge.target_column, {})
        transformation = {"type": edge.kind.upper(), "subtype": edge.subtype.upper()}
        by_source.setdefault((edge.source_table, edge.source_column), []).append(transformation)
    facets: dict[str, dict[str, Any]] = {}
    for table, by_column in grouped.items():
        def inputs(by_source: dict[tuple[str, str], list[dict[str, str]]]) -> list[dict[str, Any]]:
            return [{"namespace": namespace, "name": name, "field": field, "transformations": found}
                    for (name, field), found in by_source.items()]
        facets[table] = {
            "_producer": producer,
            "_schemaURL": OPENLINEAGE_SCHEMA_URL,
            "fields": {column: {"inputFields": inputs(by_source)}
                       for column, by_source in by_column.items() if column != WHOLE_OUTPUT},
            "dataset": inputs(by_column.get(WHOLE_OUTPUT, {})),
        }
    return facets


@dataclass(frozen=True)
class RunNode:
    """A model run in a Mermaid graph: its label and the table versions it read and wrote."""

    label: str
    inputs: Mapping[str, int]
    outputs: Mapping[str, int]


def to_mermaid(edges: Iterable[ColumnEdge], runs: Iterable[RunNode] = ()) -> str:
    """A Mermaid flowchart: one subgraph per table, solid arrows for direct edges and
    dotted ones for indirect edges, labelled with the subtype; each run a node of its own,
    thick arrows from the tables it read and to those it wrote, labelled with the versions.

    >>> print(to_mermaid([ColumnEdge("raw.t", "a", "clean.t", "b", "direct", "identity")],
    ...                  [RunNode("run train", {"clean.t": 3}, {})]))
    flowchart LR
      subgraph t0["clean.t"]
        c0["b"]
      end
      subgraph t1["raw.t"]
        c1["a"]
      end
      c1 -->|identity| c0
      r0[["run train"]]
      t0 ==>|v3| r0
    """
    edges, nodes = sorted(edges), list(runs)
    columns = sorted({(e.source_table, e.source_column) for e in edges}
                     | {(e.target_table, e.target_column) for e in edges})
    node_ids = {column: f"c{n}" for n, column in enumerate(columns)}
    tables = sorted({table for table, _ in columns} | {t for r in nodes for t in [*r.inputs, *r.outputs]})
    table_ids = {table: f"t{n}" for n, table in enumerate(tables)}
    lines = ["flowchart LR"]
    for table in tables:
        inside = [c for c in columns if c[0] == table]
        if not inside:
            lines.append(f'  {table_ids[table]}["{_label(table)}"]')
            continue
        lines.append(f'  subgraph {table_ids[table]}["{_label(table)}"]')
        lines.extend(f'    {node_ids[c]}["{_label(c[1])}"]' for c in inside)
        lines.append("  end")
    for e in edges:
        arrow = "-->" if e.kind == "direct" else "-.->"
        source, target = node_ids[(e.source_table, e.source_column)], node_ids[(e.target_table, e.target_column)]
        lines.append(f"  {source} {arrow}|{e.subtype}| {target}")
    for n, run in enumerate(nodes):
        lines.append(f'  r{n}[["{_label(run.label)}"]]')
        lines.extend(f"  {table_ids[t]} ==>|v{v}| r{n}" for t, v in sorted(run.inputs.items()))
        lines.extend(f"  r{n} ==>|v{v}| {table_ids[t]}" for t, v in sorted(run.outputs.items()))
    return "\n".join(lines)


def _label(text: str) -> str:
    return text.replace('"', "#quot;")
