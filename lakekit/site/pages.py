"""What the site shows, gathered from a :class:`~lakekit.lake.Lake`'s public methods as JSON-ready dicts.

One dict for the index (every table and run in a line, what the browser needs to walk the
lineage across runs), one per table (schema with its personal-data tags, history with
provenance, verdicts and the runs that read each version, its column edges in and out), one per
run (inputs, params, metrics, artifacts, outputs, staleness, the comparison with the run of the
same name before it) and one for GDPR (the audit trail, the tagged columns of every table).
Nothing here writes a file; :mod:`lakekit.site.writer` does.

A personal value never enters these dicts: a table preview masks every column the lake tags as
personal data (by its schema, or carried there by lineage), the audit trail names subjects by
their salted hash.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import lakekit
from lakekit.core.progress import Steps, counted
from lakekit.core.results import StoredEdge
from lakekit.lake import Lake
from lakekit.runs.recorded import RunInfo

MASK = "•••"
"""What a preview shows in place of a value of a column tagged as personal data."""

Page = dict[str, Any]
THREADS = 4
"""Tables and runs gathered at once: each costs a few table opens, mostly waiting on files."""


@dataclass
class Site:
    """Every page's data: the index, then tables, runs and GDPR by name."""

    index: Page
    tables: dict[str, Page] = field(default_factory=dict)
    runs: dict[str, Page] = field(default_factory=dict)
    gdpr: Page = field(default_factory=dict)


def gather(lake: Lake, *, preview: int = 0, progress: Steps | None = None) -> Site:
    """The data of every page of ``lake``'s site; ``preview`` rows per table (0: none), personal data
    masked; ``progress`` counts the table and run pages."""
    edges = by_table(lake.lineage.edges())
    infos = [lake.run(r) for r in lake.runs().column("run_id").to_pylist()]
    stale = defaultdict(list)
    for s in lake.stale_runs():
        stale[s.run_id].append(s.asdict())
    tags = lake.gdpr.tags()
    reads = _reads(infos)
    with ThreadPoolExecutor(THREADS) as pool:  # delta-rs opens tables without the GIL
        names = lake.tables()
        made = itertools.chain(
            pool.map(lambda t: table_page(lake, t, edges.get(t, _no_edges()), reads.get(t, {}), tags.get(t, {}),
                                          preview), names),
            pool.map(lambda i: run_page(lake, i, infos, stale.get(i.run_id, [])), infos))
        steps = counted([*names, *(f"run {i.run_id}" for i in infos)], progress)
        pages = [page for _, page in zip(steps, made, strict=True)]  # each step told before its page is awaited
    tables = dict(zip(names, pages[:len(names)], strict=True))
    runs = dict(zip((i.run_id for i in infos), pages[len(names):], strict=True))
    index = {
        "lakekit": lakekit.__version__,
        "preview": preview,
        "tables": [_summary(p) for p in tables.values()],
        "runs": [_run_summary(i, bool(stale.get(i.run_id))) for i in infos],
    }
    return Site(index, tables, runs, gdpr_page(lake, tables))


def _no_edges() -> dict[str, list[list[Any]]]:
    return {"in": [], "out": []}


def by_table(edges: Iterable[StoredEdge]) -> dict[str, dict[str, list[list[Any]]]]:
    """Table → its column edges ``in`` (into its columns) and ``out`` (out of them), each as
    ``[source table, source column, target table, target column, kind, subtype, source version,
    target version, transform id]``: what the browser walks, one table's file at a time.

    >>> from lakekit.core.results import ColumnEdge
    >>> e = StoredEdge(ColumnEdge("raw.a", "x", "clean.b", "y", "direct", "identity"), 3, 1, "t1")
    >>> by_table([e])["clean.b"]["in"]
    [['raw.a', 'x', 'clean.b', 'y', 'direct', 'identity', 3, 1, 't1']]
    """
    found: dict[str, dict[str, list[list[Any]]]] = defaultdict(_no_edges)
    for s in edges:
        e = s.edge
        row = [e.source_table, e.source_column, e.target_table, e.target_column, e.kind, e.subtype,
               s.source_version, s.target_version, s.transform_id]
        found[e.source_table]["out"].append(row)
        found[e.target_table]["in"].append(row)
    return dict(found)


def _reads(infos: Sequence[RunInfo]) -> dict[str, dict[int, list[str]]]:
    """Table → version → the runs that read it."""
    found: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for i in infos:
        for table, version in i.inputs.items():
            found[table][version].append(i.run_id)
    return found


def table_page(lake: Lake, table: str, edges: Mapping[str, list[list[Any]]], reads: Mapping[int, list[str]],
               tagged: Mapping[str, str], preview: int) -> Page:
    """One table: schema with tags and where they came from, history, edges, preview (masked)."""
    schema = lake.schema(table)
    declared = schema.pii if schema is not None else {}
    summary = lake.summary(table)
    return {
        "name": table,
        "namespace": table.split(".", 1)[0],
        "version": summary.version,
        "rows": summary.rows,
        "quarantined": lake.quarantine(table).num_rows,
        "schema_name": schema.name if schema is not None else None,
        "schema_hash": schema.hash if schema is not None else None,
        "columns": [{"name": c, "type": t, "pii": tagged.get(c), "pii_from": _origin(c, declared, tagged)}
                    for c, t in summary.columns.items()],
        "history": [{**e.asdict(), "read_by": sorted(reads.get(e.version, []))} for e in lake.history(table)],
        "edges": dict(edges),
        "preview": _preview(lake, table, preview, tagged) if preview else None,
    }


def _origin(column: str, declared: Mapping[str, str], tagged: Mapping[str, str]) -> str | None:
    """Where a column's personal-data tag came from: its table's schema, or lineage (a transform or
    run write copying a tagged column into it)."""
    if column in declared:
        return "schema"
    return "lineage" if column in tagged else None


def _preview(lake: Lake, table: str, n: int, tagged: Mapping[str, str]) -> Page:
    rows = lake.sql(f"SELECT * FROM {table} LIMIT {int(n)}")
    return {"columns": rows.column_names,
            "rows": [[MASK if c in tagged else _cell(v) for c, v in r.items()] for r in rows.to_pylist()]}


def _cell(value: Any) -> Any:
    return value if isinstance(value, int | float | bool | str) or value is None else str(value)


def _summary(page: Page) -> Page:
    latest = page["history"][0] if page["history"] else {}
    return {"name": page["name"], "namespace": page["namespace"], "version": page["version"], "rows": page["rows"],
            "quarantined": page["quarantined"], "verdict": latest.get("verdict"),
            "columns": [c["name"] for c in page["columns"]],
            "pii": [c["name"] for c in page["columns"] if c["pii"]]}


def _run_summary(info: RunInfo, stale: bool) -> Page:
    return {"run_id": info.run_id, "name": info.name, "status": info.status, "started_at": str(info.started_at),
            "inputs": info.inputs, "outputs": info.outputs, "stale": stale}


def run_page(lake: Lake, info: RunInfo, infos: Sequence[RunInfo], stale: list[Page]) -> Page:
    """One run as recorded, why it is stale (if it is), and how it differs from the run of the same
    name before it (input versions, row changes, params, metrics)."""
    earlier = [i for i in infos if i.name == info.name and i.started_at < info.started_at]
    previous = max(earlier, key=lambda i: i.started_at).run_id if earlier else None
    return {**info.asdict(), "stale": stale, "previous": previous,
            "comparison": lake.compare_runs(previous, info.run_id).asdict() if previous else None}


def gdpr_page(lake: Lake, tables: Mapping[str, Page]) -> Page:
    """The audit trail (subjects as salted hashes) and each table's personal-data columns: kind, and
    whether its schema tags it or lineage carried the tag there."""
    return {"audit": [{k: str(v) if v is not None else None for k, v in r.items()}
                      for r in lake.gdpr.audit().to_pylist()],
            "tags": {t: {c["name"]: {"kind": c["pii"], "from": c["pii_from"]} for c in p["columns"] if c["pii"]}
                     for t, p in tables.items() if any(c["pii"] for c in p["columns"])}}
