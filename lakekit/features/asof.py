"""The point-in-time join: per label row, each view's latest feature row of the same entity that
was true (and, asked for, known) at the label's time. One DuckDB ``ASOF JOIN`` per view over the
pinned versions; no Python loop over rows.

``known_at="event"``: the row with the greatest event time ≤ the label's time. With the lake's
knowledge (a ``latency``, zero for ``"commit"``): only rows also committed at or before the label's
time plus the latency (their first-known version, :mod:`lakekit.features.known`). A row is then
eligible from ``max(event time, commit time - latency)`` on; rows are reduced to those that beat
every row eligible before them (a greater event time), so the ``ASOF`` on that eligibility time
finds the greatest event time among the rows eligible at the label's time.

Rows of one entity with the same event time: the one first known in the latest version wins, then
the one with the greatest feature values (in the order requested, nulls least), so the result is
the same on every run. A view's ``ttl`` (or the call's) blanks a value whose event time is more than
that before the label's. Labels come back 1:1, in their order, with every column as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lakekit.errors import UsageError
from lakekit.features import inputs
from lakekit.features.known import ADDED, REMOVED, versioned
from lakekit.features.view import FeatureView
from lakekit.storage import engine
from lakekit.storage.delta import Storage
from lakekit.storage.fileset import FileSet, fileset

_ROW, _T = "__lakekit_row", "__lakekit_t"
_EVER = 2**63 - 1


@dataclass(frozen=True)
class Pinned:
    """One view read at a pinned version, for these of its features (in output order)."""

    view: FeatureView
    version: int
    features: tuple[str, ...]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ns(column: str, kind: pa.DataType) -> str:
    """SQL for a time column as ns since the epoch (naive timestamps and dates read as UTC)."""
    return f"epoch_ns(CAST({_q(column)} AS TIMESTAMP))" if pa.types.is_date(kind) else f"epoch_ns({_q(column)})"


def output_names(pins: Sequence[Pinned], labels: Sequence[str], full_names: bool) -> list[list[str]]:
    """The output column of each requested feature: its name, or ``view__feature`` with ``full_names``;
    a name taken twice (by a label column or another view) is an error naming it."""
    taken = set(labels)
    names = []
    for pin in pins:
        own = []
        for feature in pin.features:
            name = f"{pin.view.name}__{feature}" if full_names else feature
            if name in taken:
                raise UsageError(f"feature '{pin.view.name}:{feature}' would be column '{name}', which the labels or "
                                 "another view already have: pass full_names=True")
            taken.add(name)
            own.append(name)
        names.append(own)
    return names


class _View:
    """SQL for one pinned view's rows (``__k<i>`` keys, ``__e`` event ns and ``__when`` as stored,
    ``__x<j>`` features).

    Event-time rows are read by DuckDB's own Parquet reader over the version's files (relation
    ``__lakekit_rows<n>``, :mod:`lakekit.storage.engine`). Only a join that needs each row's
    first-known version (the lake's knowledge, or rows tied on entity and event time) replays the
    table's log and reads its files as datasets stamped with the versions that added (and removed)
    them (:meth:`know`)."""

    def __init__(self, n: int, pin: Pinned, files: FileSet) -> None:
        self.n, self.pin, self.files = n, pin, files
        self.source = f"__lakekit_rows{n}"
        self.live, self.removed, self.commits = f"__lakekit_live{n}", f"__lakekit_removed{n}", f"__lakekit_commits{n}"
        self.known: bool | None = None
        """Whether the version's log removed files (``None``: :meth:`know` not called yet)."""
        self.event_type = files.schema.field(pin.view.timestamp).type
        self.keys = [f"__k{i}" for i in range(len(pin.view.entity))]
        self.values = [f"__x{j}" for j in range(len(pin.features))]
        self.content = [*self.keys, "__e", *self.values]

    def know(self, con: duckdb.DuckDBPyConnection, storage: Storage) -> None:
        """Register the rows stamped with their versions and the versions' commit times, once."""
        if self.known is not None:
            return
        data = versioned(storage, self.pin.view.table, self.pin.version)
        con.register(self.live, data.live)
        con.register(self.commits, data.commits)
        if data.removed is not None:
            con.register(self.removed, data.removed)
        self.known = data.removed is not None

    def _projection(self, source: str, extra: str = "") -> str:
        v = self.pin.view
        cols = [f"{_q(c)} AS {k}" for c, k in zip(v.entity, self.keys, strict=True)]
        cols += [f"{_ns(v.timestamp, self.event_type)} AS __e", f"{_q(v.timestamp)} AS __when"]
        cols += [f"{_q(c)} AS {x}" for c, x in zip(self.pin.features, self.values, strict=True)]
        cols += [extra] if extra else []
        return f"SELECT {', '.join(cols)} FROM {source} WHERE {_q(v.timestamp)} IS NOT NULL"

    def rows(self) -> str:
        """Event-time rows (no first-known version)."""
        return self._projection(self.source)

    def known_rows(self) -> str:
        """Rows with ``__fk``, their first-known version: the version that added their file, or,
        after rewrites, the start of the island of versions holding the same content."""
        if not self.known:
            return f"SELECT *, __a AS __fk FROM ({self._projection(self.live, f'{ADDED} AS __a')})"
        part, order = ", ".join(self.content), f"__a, coalesce(__r, {_EVER})"
        return f"""
            SELECT {part}, __when, __a, __fk FROM (
              SELECT *, max(CASE WHEN __p IS NULL OR __p < __a THEN __a END)
                          OVER (PARTITION BY {part} ORDER BY {order} ROWS UNBOUNDED PRECEDING) AS __fk
              FROM (
                SELECT *, max(coalesce(__r, {_EVER})) OVER (PARTITION BY {part} ORDER BY {order}
                                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS __p
                FROM ({self._projection(self.live, f"{ADDED} AS __a, NULL::BIGINT AS __r")}
                      UNION ALL {self._projection(self.removed, f"{ADDED} AS __a, {REMOVED} AS __r")})))
            WHERE __r IS NULL"""

    def _latest_first(self) -> str:
        return ", ".join(["__fk DESC", *(f"{x} DESC NULLS LAST" for x in self.values)])

    def deduplicated(self) -> str:
        """Event-time rows, one per entity and event time (the winner of each tie)."""
        return (f"SELECT * FROM ({self.known_rows()}) QUALIFY row_number() OVER "
                f"(PARTITION BY {', '.join(self.keys)}, __e ORDER BY {self._latest_first()}) = 1")

    def eligible(self, latency: timedelta) -> str:
        """Rows with ``__kk``, the time from which they are both true and known, reduced to those
        that beat every row eligible before them; one per entity and ``__kk``."""
        keys, ns = ", ".join(self.keys), latency // timedelta(microseconds=1) * 1000
        rank = ", ".join(["__e", "__fk", *(f"{x} NULLS FIRST" for x in self.values)])
        return f"""
            SELECT * FROM (
              SELECT * FROM (
                SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY {rank}) AS __o
                FROM (SELECT r.*, greatest(r.__e, c.committed_ns - {ns}) AS __kk
                      FROM ({self.known_rows()}) r JOIN {self.commits} c ON c.version = r.__fk))
              QUALIFY __o > coalesce(max(__o) OVER (PARTITION BY {keys} ORDER BY __kk, __o
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))
            QUALIFY lead(__kk) OVER (PARTITION BY {keys} ORDER BY __kk, __o) IS DISTINCT FROM __kk"""


def point_in_time(storage: Storage, labels: pa.Table, pins: Sequence[Pinned], *, timestamp: str,
                  latency: timedelta | None, ttl: timedelta | None, full_names: bool = False,
                  what: str = "labels") -> pa.Table:
    """``labels`` with each pinned view's features as of each label's ``timestamp`` (see the module)."""
    inputs.check_time(labels.schema, timestamp, what)
    views = []
    for n, pin in enumerate(pins):
        files = fileset(storage, pin.view.table, pin.version)
        pin.view.feature_columns(files.schema.names)
        inputs.check_time(files.schema, pin.view.timestamp,
                          f"feature view '{pin.view.name}': table '{pin.view.table}'")
        for key in pin.view.entity:
            inputs.check_key(labels.schema, key, pin.view.name, files.schema.field(key).type, what)
        views.append(_View(n, pin, files))
    names = output_names(pins, labels.column_names, full_names)
    keys = list(dict.fromkeys(k for pin in pins for k in pin.view.entity))
    import polars as pl

    slim = pa.table({_ROW: pl.int_range(0, labels.num_rows, eager=True, dtype=pl.Int64).to_arrow(),
                     timestamp: labels.column(timestamp),
                     **{f"__lakekit_l{i}": labels.column(k) for i, k in enumerate(keys)}})
    con = engine.connect(storage, {v.source: v.files for v in views})
    try:
        con.register("__lakekit_labels", slim)
        label = {k: f"__lakekit_l{i}" for i, k in enumerate(keys)}
        tied: set[int] = set()
        while True:
            for view in views:
                if latency is not None or view.n in tied:
                    view.know(con, storage)
            result = _join(con, views, label, timestamp, slim.schema.field(timestamp).type, latency, ttl, tied)
            found = {v.n for v in views if latency is None and v.n not in tied and _ties(con, v, result)}
            if not found:
                break
            tied |= found
    finally:
        con.close()
    if result.num_rows != labels.num_rows:
        raise AssertionError("the point-in-time join changed the number of label rows")
    out = labels
    for view, own in zip(views, names, strict=True):
        for feature, x, name in zip(view.pin.features, view.values, own, strict=True):
            kind = view.files.schema.field(feature).type
            out = out.append_column(pa.field(name, kind), result.column(f"__o{view.n}{x}").cast(kind))
    return out


def _join(con: duckdb.DuckDBPyConnection, views: Sequence[_View], label: dict[str, str], timestamp: str,
          kind: pa.DataType, latency: timedelta | None, ttl: timedelta | None, tied: set[int]) -> pa.Table:
    """One query: the labels ASOF-joined to every view, in label order."""
    ctes = [f"l AS (SELECT {_ROW}, {_ns(timestamp, kind)} AS {_T}, * EXCLUDE ({_ROW}) FROM __lakekit_labels)"]
    joins, cols = [], [f"l.{_ROW}"]
    for v in views:
        rows = v.rows() if latency is None and v.n not in tied else \
            v.deduplicated() if latency is None else v.eligible(latency)
        ctes.append(f"v{v.n} AS ({rows})")
        on = [f"l.{label[c]} = v{v.n}.{k}" for c, k in zip(v.pin.view.entity, v.keys, strict=True)]
        at = "__e" if latency is None else "__kk"
        joins.append(f"ASOF LEFT JOIN v{v.n} ON {' AND '.join(on)} AND l.{_T} >= v{v.n}.{at}")
        limit = ttl if ttl is not None else v.pin.view.ttl
        fresh = "TRUE" if limit is None else f"v{v.n}.__e >= l.{_T} - {limit // timedelta(microseconds=1) * 1000}"
        cols += [f"v{v.n}.__when AS __m{v.n}", *(f"v{v.n}.{k} AS __m{v.n}{k}" for k in v.keys)]
        cols += [f"CASE WHEN {fresh} THEN v{v.n}.{x} END AS __o{v.n}{x}" for x in v.values]
    sql = (f"WITH {', '.join(ctes)} SELECT {', '.join(cols)} FROM l {' '.join(joins)} ORDER BY l.{_ROW}")
    return con.sql(sql).to_arrow_table()


def _ties(con: duckdb.DuckDBPyConnection, v: _View, result: pa.Table) -> bool:
    """Whether a row the join matched shares its entity and event time with another row of the view:
    the rows with a matched (entity, event time) outnumber the matches."""
    matched = result.select([f"__m{v.n}", *(f"__m{v.n}{k}" for k in v.keys)]).filter(
        pc.is_valid(result.column(f"__m{v.n}")))
    con.register("__lakekit_matched", matched.rename_columns(["__when", *v.keys]))
    try:
        distinct = "(SELECT DISTINCT * FROM __lakekit_matched)"
        columns = [v.pin.view.timestamp, *v.pin.view.entity]
        on = " AND ".join(f"r.{_q(c)} = m.{m}" for c, m in zip(columns, ["__when", *v.keys], strict=True))
        ((rows, matches),) = con.sql(f"SELECT (SELECT count(*) FROM {v.source} r SEMI JOIN {distinct} m ON {on}), "
                                     f"(SELECT count(*) FROM {distinct})").fetchall()
    finally:
        con.unregister("__lakekit_matched")
    return bool(rows > matches)
