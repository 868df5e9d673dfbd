"""What the site shows, gathered from a :class:`~lakekit.lake.Lake`'s public methods as JSON-ready dicts.

One dict for the index (every table, run and feature view in a line), one per table (schema
with its personal-data tags, history with provenance, verdicts, quarantined rows and the runs
that read each version, the feature views over it), one per table for its lineage (the walk up-
and downstream of each of its columns and of the whole table, as ``lake.lineage`` walks it,
within a number of hops: the page only draws it; the walks name edges by number), the
lineage's edges in chunks (each edge once, for every table's walks), one per run (inputs, params, metrics,
artifacts, outputs, staleness), one per comparison of two runs (a run and the run of the same
name before it; ``lakekit docs serve`` makes the others when asked) and one for GDPR (the audit
trail, the tagged columns of every table). Nothing here writes a file; :mod:`lakekit.site.writer` does.

A personal value never enters these dicts: a table preview masks every column the lake tags as
personal data (by its schema, or carried there by lineage), the audit trail names subjects by
their salted hash.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import lakekit
from lakekit.core.progress import Steps, counted
from lakekit.core.results import Direction, StoredEdge
from lakekit.impact.graph import Lineage
from lakekit.lake import Lake
from lakekit.runs.recorded import RunInfo
from lakekit.write.quarantine import LOAD_ID as QUARANTINE_WRITE

MASK = "•••"
"""What a preview shows in place of a value of a column tagged as personal data."""

Page = dict[str, Any]
THREADS = 4
"""Tables and runs gathered at once: each costs a few table opens, mostly waiting on files."""
HOPS: int | None = None
"""How far a column's lineage walk goes by default (column edges and run crossings): no limit,
the graph draws the :data:`EDGE_LIMIT` edges nearest the column."""
EDGE_LIMIT = 200
"""Column edges kept per walk (the nearest its root): what the graph draws at most."""
EDGE_CHUNK = 2000
"""Edges per data file: a page loads the files holding the edges it draws."""


@dataclass
class Site:
    """Every page's data: the index, then tables, their lineage and the lineage's edges (by chunk),
    runs, comparisons (by ``a/b``) and GDPR."""

    index: Page
    tables: dict[str, Page] = field(default_factory=dict)
    lineage: dict[str, Page] = field(default_factory=dict)
    edges: dict[str, Page] = field(default_factory=dict)
    runs: dict[str, Page] = field(default_factory=dict)
    comparisons: dict[str, Page] = field(default_factory=dict)
    gdpr: Page = field(default_factory=dict)


def gather(lake: Lake, *, preview: int = 0, hops: int | None = HOPS, progress: Steps | None = None) -> Site:
    """The data of every page of ``lake``'s site; ``preview`` rows per table (0: none), personal
    data masked; lineage walks of at most ``hops`` hops (None: any); ``progress`` counts the tables as their
    pages are walked."""
    known = lake.lineage.walker()
    ends = Counter((end, e.edge.source_table if end == "out" else e.edge.target_table)
                   for e in known.edges for end in ("in", "out"))
    infos = [lake.run(r) for r in lake.runs().column("run_id").to_pylist()]
    stale = defaultdict(list)
    for s in lake.stale_runs():
        stale[s.run_id].append(s.asdict())
    tags = lake.gdpr.tags()
    reads = _reads(infos)
    views = [lake.features.info(v.name).asdict() for v in lake.features.views()]
    with ThreadPoolExecutor(THREADS) as pool:  # delta-rs opens tables without the GIL
        names = lake.tables()
        loading = [pool.submit(table_page, lake, t, reads.get(t, {}), tags.get(t, {}), preview) for t in names]
        previous = {i.run_id: p for i in infos if (p := _previous(i, infos))}
        comparing = {f"{p}/{r}": pool.submit(comparison_page, lake, p, r) for r, p in previous.items()}
        # walked here while the pool still opens tables: the walks are Python, the opens mostly not
        present = set(names)
        dropped: list[tuple[str, Page]] = [(t, {"columns": []}) for t in known.tables if t not in present]
        lineage, lineage_tables, rows = lineage_pages(
            known, chain(((t, f.result()) for t, f in zip(counted(names, progress), loading, strict=True)), dropped),
            hops)
        for t, _ in dropped:
            lineage[t]["dropped"] = True
        tables = {t: f.result() for t, f in zip(names, loading, strict=True)}
        comparisons = {pair: f.result() for pair, f in comparing.items()}
    for name, page in tables.items():
        page.update(edges_in=ends[("in", name)], edges_out=ends[("out", name)],
                    features=[v["name"] for v in views if v["table"] == name])
    index = {
        "lakekit": lakekit.__version__,
        "preview": preview,
        "hops": hops,
        "lineage": {"tables": lineage_tables, "edges": len(rows), "chunk": EDGE_CHUNK},
        "tables": [_summary(p) for p in tables.values()],
        "runs": [_run_summary(i, bool(stale.get(i.run_id))) for i in infos],
        "features": views,
    }
    runs = {i.run_id: {**i.asdict(), "stale": stale.get(i.run_id, []), "previous": previous.get(i.run_id)}
            for i in infos}
    return Site(index, tables, lineage, edge_chunks(rows), runs, comparisons, gdpr_page(lake, tables))


def lineage_pages(known: Lineage, tables: Iterable[tuple[str, Page]],
                  hops: int | None) -> tuple[dict[str, Page], list[str], list[list[Any]]]:
    """Table → its lineage page, for each (name, page) of ``tables`` (taken one at a time as the
    walks go), and the edges those pages name. A page holds ``down`` and ``up``, each column
    (``*``: the whole table; and each column its lineage names that the table no longer has,
    listed in ``gone``) → its walk (``known``'s, of at most ``hops`` hops): the tables
    reached (by number), the runs crossed, how many column edges, the hops to the furthest, and
    the :data:`EDGE_LIMIT` nearest the column (by number). The edges are ``known``'s, numbered by position, each as
    :func:`edge_row` with its tables by number (their position in ``known.tables``); every page
    shares them, and the tables' names."""
    directions: tuple[tuple[str, Direction], ...] = (("down", "downstream"), ("up", "upstream"))
    numbers = {t: i for i, t in enumerate(known.tables)}
    pages: dict[str, Page] = {}
    for t, page in tables:
        now = [c["name"] for c in page["columns"]]
        gone = sorted(known.columns(t) - {*now, "*"})
        pages[t] = {"gone": gone, **{key: {} for key, _ in directions}}
        for c in ["*", *now, *gone]:
            for key, direction in directions:
                walked = known.walked(t if c == "*" else f"{t}.{c}", direction, hops, check=False)
                pages[t][key][c] = {"tables": [numbers[x] for x in walked.tables],
                                    "runs": list(walked.runs), "edge_count": len(walked.reached),
                                    "hops": max(walked.reached.values(), default=0),
                                    "edges": _nearest(walked.reached)}
    rows = [edge_row(e) for e in known.edges]
    for row in rows:
        row[0], row[2] = numbers[row[0]], numbers[row[2]]
    return pages, known.tables, rows


def edge_chunks(rows: Sequence[list[Any]]) -> dict[str, Page]:
    """The edges of :func:`lineage_pages` in files of :data:`EDGE_CHUNK` (``"0"``: the first),
    each naming its transforms once: ``{"transforms": [id, ...], "rows": [row, ...]}``, a row's
    transform by number."""
    chunks: dict[str, Page] = {}
    for start in range(0, len(rows), EDGE_CHUNK):
        transforms: dict[str, int] = {}
        chunks[str(start // EDGE_CHUNK)] = {
            "rows": [[*r[:8], transforms.setdefault(r[8], len(transforms))] for r in rows[start:start + EDGE_CHUNK]],
            "transforms": list(transforms)}
    return chunks


def _nearest(reached: Mapping[int, int]) -> list[int]:
    """The :data:`EDGE_LIMIT` positions of ``reached`` nearest its root (the first by position
    among as near), sorted."""
    found = sorted(reached)
    if len(found) <= EDGE_LIMIT:
        return found
    return sorted(sorted(found, key=reached.__getitem__)[:EDGE_LIMIT])


def edge_row(stored: StoredEdge) -> list[Any]:
    """An edge as the page draws it: ``[source table, source column, target table, target column,
    kind, subtype, source version, target version, transform id]``.

    >>> from lakekit.core.results import ColumnEdge
    >>> edge_row(StoredEdge(ColumnEdge("raw.a", "x", "clean.b", "y", "direct", "identity"), 3, 1, "t1"))
    ['raw.a', 'x', 'clean.b', 'y', 'direct', 'identity', 3, 1, 't1']
    """
    e = stored.edge
    return [e.source_table, e.source_column, e.target_table, e.target_column, e.kind, e.subtype,
            stored.source_version, stored.target_version, stored.transform_id]


def _reads(infos: Sequence[RunInfo]) -> dict[str, dict[int, list[str]]]:
    """Table → version → the runs that read it."""
    found: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for i in infos:
        for table, version in i.inputs.items():
            found[table][version].append(i.run_id)
    return found


def table_page(lake: Lake, table: str, reads: Mapping[int, list[str]], tagged: Mapping[str, str],
               preview: int) -> Page:
    """One table: schema with tags and where they came from, history (with the rows each write
    quarantined), preview (masked), each read from one snapshot of it."""
    with lake.reading(table):
        return _table_page(lake, table, reads, tagged, preview)


def _table_page(lake: Lake, table: str, reads: Mapping[int, list[str]], tagged: Mapping[str, str],
                preview: int) -> Page:
    schema = lake.schema(table)
    declared = schema.pii if schema is not None else {}
    summary = lake.summary(table)
    quarantined = lake.quarantine(table).column(QUARANTINE_WRITE).to_pylist()
    per_write = Counter(quarantined)
    return {
        "name": table,
        "namespace": table.split(".", 1)[0],
        "version": summary.version,
        "rows": summary.rows,
        "quarantined": len(quarantined),
        "schema_name": schema.name if schema is not None else None,
        "schema_hash": schema.hash if schema is not None else None,
        "columns": [{"name": c, "type": t, "pii": tagged.get(c), "pii_from": _origin(c, declared, tagged)}
                    for c, t in summary.columns.items()],
        "history": [{**e.asdict(), "read_by": sorted(reads.get(e.version, [])),
                     "quarantined": per_write.get(e.provenance.write_id, 0)} for e in lake.history(table)],
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


def _previous(info: RunInfo, infos: Sequence[RunInfo]) -> str | None:
    """The run of the same name as ``info`` started last before it."""
    earlier = [i for i in infos if i.name == info.name and i.started_at < info.started_at]
    return max(earlier, key=lambda i: i.started_at).run_id if earlier else None


def comparison_page(lake: Lake, a: str, b: str) -> Page:
    """Runs ``a`` and ``b`` side by side as ``lake.compare_runs`` sees them (input versions and their
    row changes, params, metrics)."""
    return lake.compare_runs(a, b).asdict()


def gdpr_page(lake: Lake, tables: Mapping[str, Page]) -> Page:
    """The audit trail (subjects as salted hashes) and each table's personal-data columns: kind, and
    whether its schema tags it or lineage carried the tag there."""
    return {"audit": [{k: str(v) if v is not None else None for k, v in r.items()}
                      for r in lake.gdpr.audit().to_pylist()],
            "tags": {t: {c["name"]: {"kind": c["pii"], "from": c["pii_from"]} for c in p["columns"] if c["pii"]}
                     for t, p in tables.items() if any(c["pii"] for c in p["columns"])}}
