"""Incremental transforms: which input rows are new since the last run, and whether they are enough.

An incremental transform reads, of each input it is *driven* by, only the Parquet files that
input gained since the version the transform last consumed, and merges its rows into the
target on the transform's keys. That equals a full refresh exactly when the query is row-wise
over those inputs and nothing else changed, so a run is incremental only if:

- the target's latest commit is this transform's (same SQL hash), naming the versions it read;
- every input that changed since is a *driving* table — reached from the query's outermost FROM
  (through CTEs, subqueries and UNION ALL branches), each reference read once — and the
  Selects on that path are row-wise (no aggregate, window, DISTINCT, GROUP BY, LIMIT, and no
  RIGHT or FULL join that would pad rows from the other side);
- those inputs only gained files in between (an overwrite, merge, delete or compaction
  removes files, and then rows the target holds may no longer be right).

Joined (dimension) tables are read whole at their current version; when one of them changed,
the run is a full refresh. Every other case is a full refresh as well, and the plan says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from deltalake import DeltaTable
from sqlglot import exp

from lakekit.errors import UsageError
from lakekit.index.provenance import Provenance, TransformProvenance, from_commit
from lakekit.lineage.parse import parse_one
from lakekit.storage.delta import NO_DATA_CHANGE, Storage
from lakekit.storage.fileset import FileSet, fileset
from lakekit.transform.query import Prepared
from lakekit.transform.statement import table_name

Refresh = Literal["full", "incremental"]
_HISTORY = 20
_NOT_ROW_WISE = {"distinct": "DISTINCT", "group": "GROUP BY", "having": "HAVING", "qualify": "QUALIFY",
                 "limit": "LIMIT", "offset": "OFFSET"}


@dataclass(frozen=True)
class ReadPlan:
    """How one transform run reads its inputs.

    ``previous`` is the input versions the last run consumed (incremental runs only);
    ``scans`` maps DuckDB relation names to the files added since, replacing those inputs.
    """

    refresh: Refresh
    reason: str
    previous: dict[str, int] | None = None
    scans: Mapping[str, FileSet] = field(default_factory=dict)


def driving_tables(sql: str, dialect: str) -> frozenset[str]:
    """The lake tables an incremental query may read in part; refuses a query that is not row-wise.

    >>> sorted(driving_tables("SELECT e.id, d.name FROM raw.events e JOIN raw.dims d USING (id)", "duckdb"))
    ['raw.events']
    >>> sorted(driving_tables("WITH a AS (SELECT * FROM raw.a) SELECT * FROM a UNION ALL SELECT * FROM x.b", "duckdb"))
    ['raw.a', 'x.b']
    """
    tree = parse_one(sql, dialect)
    ctes = {cte.alias_or_name.lower(): cte.this for cte in tree.find_all(exp.CTE)}
    uses: Counter[str] = Counter()
    for node in tree.find_all(exp.Table):
        uses[node.name.lower() if not node.db and node.name.lower() in ctes else table_name(node)] += 1
    found: set[str] = set()
    _walk(tree, ctes, uses, found)
    return frozenset(t for t in found if uses[t] == 1)


def _walk(node: exp.Expr, ctes: Mapping[str, exp.Expr], uses: Counter[str], found: set[str]) -> None:
    if isinstance(node, exp.SetOperation):
        if not isinstance(node, exp.Union) or node.args.get("distinct") or node.args.get("limit"):
            raise UsageError(f"an incremental transform must be row-wise; of the set operations only "
                             f"UNION ALL without LIMIT is, not {node.key.upper()}")
        _walk(node.this, ctes, uses, found)
        _walk(node.expression, ctes, uses, found)
    elif isinstance(node, exp.Subquery):
        _walk(node.this, ctes, uses, found)
    elif isinstance(node, exp.Select):
        _row_wise(node)
        source = node.args.get("from_")
        if source is not None:
            _walk(source.this, ctes, uses, found)
    elif isinstance(node, exp.Table):
        name = node.name.lower()
        if not node.db and name in ctes:
            if uses[name] == 1:  # a CTE read twice would feed both readers the same partial rows
                _walk(ctes[name], ctes, uses, found)
        else:
            found.add(table_name(node))


def _row_wise(select: exp.Select) -> None:
    """Refuse a Select whose output rows are not each made from one row of its FROM source."""
    clauses = [sql for arg, sql in _NOT_ROW_WISE.items() if select.args.get(arg)]
    clauses += [f"{j.side} JOIN" for j in select.args.get("joins") or () if j.side in ("RIGHT", "FULL")]
    for node in select.find_all(exp.AggFunc, exp.Window):
        if node.find_ancestor(exp.Select) is select:
            clauses.append("a window function" if isinstance(node, exp.Window) else "an aggregate")
    if clauses:
        raise UsageError(f"an incremental transform must be row-wise; its query has {clauses[0]}")


def last_run(base: DeltaTable) -> Provenance:
    """Provenance of the commit that last changed ``base``'s rows (bare when lakekit did not make it)."""
    for commit in base.history(_HISTORY):
        if commit.get("operation") not in NO_DATA_CHANGE:  # a run after those still continues the last one
            return from_commit(commit)
    return from_commit({})


def plan(storage: Storage, base: DeltaTable | None, *, sql_hash: str, prepared: Prepared,
         incremental: bool, full_refresh: bool = False) -> ReadPlan:
    """Decide how this run reads its inputs, and say why, against the target's current version ``base``."""
    drive = driving_tables(prepared.sql, prepared.dialect) if incremental else frozenset()
    if base is None:
        return ReadPlan("full", "first run: the target is new")
    last = last_run(base)
    if not isinstance(last, TransformProvenance) or last.sql_hash != sql_hash:
        why = "the SQL changed" if isinstance(last, TransformProvenance) else "the target was last written otherwise"
        return ReadPlan("full", f"{why} since the last run")
    previous = dict(last.inputs)
    current = {t: max(vs) for t, vs in prepared.inputs.items()}
    changed = sorted(t for t in current if previous.get(t) != current[t])
    moves = ", ".join(f"{t} {previous.get(t, 'new')}→{current[t]}" for t in changed)
    if full_refresh or not incremental:
        return ReadPlan("full", "full refresh requested" if full_refresh else f"new input versions: {moves}")
    if set(previous) != set(current):
        return ReadPlan("full", "full refresh: the query reads other tables than last run")
    scans = {}
    for table in changed:
        relations = [r for r in prepared.relations if r.table == table]
        if table not in drive or len(relations) != 1:
            return ReadPlan("full", f"full refresh: '{table}' changed and is not read row by row "
                                    "(joined or read twice)")
        added = added_files(storage, table, previous[table], current[table])
        if added is None:
            return ReadPlan("full", f"full refresh: '{table}' had rows rewritten or removed since version "
                                f"{previous[table]}")
        scans[relations[0].name] = added
    return ReadPlan("incremental", f"incremental: rows added in {moves}", previous, scans)


def added_files(storage: Storage, table: str, old: int, new: int) -> FileSet | None:
    """The files of ``table`` version ``new`` that version ``old`` did not have.

    None when a file of ``old`` is gone at ``new``: rows were rewritten or removed, not only added.
    """
    before = {f.path for f in fileset(storage, table, old).files}
    after = fileset(storage, table, new)
    now = {f.path for f in after.files}
    if not before <= now:
        return None
    return after.only(now - before)
