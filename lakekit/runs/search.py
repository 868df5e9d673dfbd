"""Finding runs: one row per run with a column per param, metric and tag (``params.lr``,
``metrics.auc``, as MLflow names them), filtered by a SQL condition, sorted and limited.

The condition (``metrics.auc > 0.9 AND params.model = 'gbm'``) is parsed by sqlglot and may
name only the columns of that table; DuckDB evaluates it in a database of its own that reads no
file. A column no run has (a typo) is an error naming it, never an empty answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, get_args

import duckdb
import pyarrow as pa
from sqlglot import exp

from lakekit.core.results import RunStatus
from lakekit.errors import LakekitError, UsageError, masked
from lakekit.index import metadata
from lakekit.lineage.parse import parse_one
from lakekit.runs import recorded
from lakekit.storage.delta import Storage
from lakekit.storage.scan import literal

FLATTENED = ("params", "metrics", "tags")
"""The JSON columns of a run whose keys become columns of their own (``params.lr``)."""
_NEWEST_FIRST = ("-started_at", "-run_id")
_REFUSED = (exp.Query, exp.Subquery, exp.Table, exp.Anonymous, exp.Command)


def search(storage: Storage, *, name: str | None = None, status: RunStatus | None = None, where: str | None = None,
           sort: Sequence[str] = (), limit: int | None = None) -> pa.Table:
    """The recorded runs (of ``name``, in ``status``) meeting ``where``, ordered by ``sort``
    (column names, ``-`` in front for descending; newest first by default), at most ``limit``."""
    if status is not None and status not in get_args(RunStatus):
        raise UsageError(f"no run status '{status}': expected one of {', '.join(get_args(RunStatus))}")
    if limit is not None and limit < 0:
        raise UsageError(f"a limit counts runs: expected 0 or more, got {limit}")
    table = flattened(recorded.runs(storage))
    known = set(table.column_names)
    conditions = [_condition(where, known)] if where else []
    conditions += [f"name = {literal(name)}"] if name is not None else []
    conditions += [f"status = {literal(status)}"] if status is not None else []
    order = ", ".join(_order(key, known) for key in [*sort, *_NEWEST_FIRST])
    sql = (f"SELECT * FROM runs {'WHERE ' + ' AND '.join(f'({c})' for c in conditions) if conditions else ''} "
           f"ORDER BY {order} {f'LIMIT {limit}' if limit is not None else ''}")
    with duckdb.connect(config={"enable_external_access": False}) as con:
        con.register("runs", table)
        try:
            found = con.sql(sql).to_arrow_table()
        except duckdb.Error as e:
            raise UsageError(f"cannot filter runs: {masked(str(e))}") from None
    return found.cast(table.schema)


def flattened(runs: pa.Table) -> pa.Table:
    """``runs`` (:func:`lakekit.runs.recorded.runs`) with a column per key of its params, metrics
    and tags after ``ended_at``: numbers as numbers, text as text, anything else as JSON text."""
    records = runs.to_pylist()
    extra: dict[str, pa.Array] = {}
    for kind in FLATTENED:
        values = [json.loads(r[kind] or "{}") for r in records]
        for key in sorted({k for v in values for k in v}):
            extra[f"{kind}.{key}"] = _column([v.get(key) for v in values])
    at = runs.column_names.index("ended_at") + 1
    names = [*runs.column_names[:at], *extra, *runs.column_names[at:]]
    columns = {**{n: runs.column(n) for n in runs.column_names}, **extra}
    return pa.table({n: columns[n] for n in names})


def _column(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.array(values, pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array(values, pa.float64())
    return pa.array([v if v is None or isinstance(v, str) else json.dumps(v, sort_keys=True) for v in values],
                    pa.string())


def _condition(where: str, known: set[str]) -> str:
    """``where`` as DuckDB SQL over the flattened table; refused when it reads anything but its columns."""
    try:
        tree = parse_one(f"SELECT 1 WHERE {where}", "duckdb")
    except LakekitError:
        raise UsageError("cannot read the run filter: expected one SQL condition such as "
                         "\"metrics.auc > 0.9 AND params.model = 'gbm'\"") from None
    condition = tree.args.get("where")
    if not isinstance(tree, exp.Select) or condition is None or {k for k, v in tree.args.items() if v} - {
            "expressions", "where"}:
        raise UsageError("the run filter is not one condition (no ORDER BY, LIMIT, … in it: use --sort, --limit)")
    for node in condition.find_all(*_REFUSED):
        raise UsageError(f"a run filter compares columns and values only, not {node.key.upper()}")
    for column in list(condition.find_all(exp.Column)):
        column.replace(exp.column(_known(".".join(p.name for p in column.parts), known), quoted=True))
    return condition.this.sql("duckdb")


def _order(key: str, known: set[str]) -> str:
    column = _known(key.removeprefix("-"), known)
    return f"{exp.column(column, quoted=True).sql('duckdb')} {'DESC' if key.startswith('-') else 'ASC'} NULLS LAST"


def _known(column: str, known: Iterable[str]) -> str:
    """``column`` when the runs have it; else an error naming it and the columns of its kind."""
    names = set(known)
    if column in names:
        return column
    kind = column.split(".")[0]
    alike = sorted(n for n in names if n.startswith(f"{kind}.")) if kind in FLATTENED else sorted(
        n for n in names if "." not in n)
    raise UsageError(f"no run has a column '{column}'" + (f"; known: {', '.join(alike)}" if alike else
                                                           f"; no run recorded {kind}"))


def records(table: pa.Table) -> list[dict[str, Any]]:
    """The runs of :func:`search` as JSON-ready dicts: params, metrics, tags and the command
    (``{"argv", "cwd"}``, null for a run started in Python) as objects."""
    keep = [c for c in table.column_names if c.split(".")[0] not in FLATTENED or "." not in c]
    return metadata.decoded(table.select(keep).to_pylist(), {**dict.fromkeys(FLATTENED, "{}"), "command": "null"})

