"""``lake.features``: the lake's feature views, point-in-time training sets and current values.

Views come from two places: those registered in the lake (``_lakekit/feature_views``, seen by
every process and the CLI) and those declared to this :class:`~lakekit.Lake` (in Python or
``lakekit.toml``), which win over a registered view of the same name. Every call pins each
view's table at its latest version (or ``versions=``) and reads only that version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pyarrow as pa

from lakekit.core.results import Result
from lakekit.errors import UsageError
from lakekit.features import asof, inputs
from lakekit.features.asof import Pinned
from lakekit.features.training import TrainingSet
from lakekit.features.view import FeatureView, KnownAt, parse_refs, view_from_dict
from lakekit.index import metadata
from lakekit.index.provenance import environment, now
from lakekit.storage.delta import Storage
from lakekit.write import indexes

LabelSource = str | tuple[str, int]
"""A lake table holding labels: its name (latest version) or (name, version)."""
Labels = LabelSource | Any
"""Labels: a lake table (:data:`LabelSource`), an Arrow table, a polars or pandas frame."""
_AT = "__lakekit_at"


@dataclass(frozen=True)
class ViewInfo(Result):
    """A feature view as the lake sees it now: its definition, where it comes from, and its
    table's latest version with the types of its columns (None when the table is not there)."""

    name: str
    table: str
    entity: tuple[str, ...]
    timestamp: str
    features: tuple[str, ...]
    ttl: str | None
    description: str
    source: Literal["declared", "registered"]
    version: int | None
    types: dict[str, str]


class FeatureStore:
    """The lake's feature views and what they answer (see the module)."""

    def __init__(self, storage: Storage, declared: Sequence[FeatureView] = ()) -> None:
        self._storage = storage
        self._declared = {v.name: v for v in declared}

    def register(self, *views: FeatureView) -> None:
        """Keep ``views`` in the lake (a view of the same name is replaced), each checked against its
        table's latest version first."""
        for view in views:
            self._columns(view, None)
        env = environment()
        rows = [{"name": v.name, "definition": v.asdict(), "user": env["user"], "host": env["host"],
                 "registered_at": now()} for v in views]
        indexes.append(self._storage, "feature_views", metadata.rows("feature_views", rows))

    def drop(self, name: str) -> None:
        """Remove a registered view (its past registrations stay in ``_lakekit/feature_views``)."""
        if name not in self._registered():
            raise UsageError(f"no registered feature view '{name}'")
        env = environment()
        row = {"name": name, "definition": None, "user": env["user"], "host": env["host"], "registered_at": now()}
        indexes.append(self._storage, "feature_views", metadata.rows("feature_views", [row]))

    def _registered(self) -> dict[str, FeatureView]:
        found: dict[str, FeatureView | None] = {}
        for r in sorted(metadata.read(self._storage, "feature_views").to_pylist(), key=lambda r: r["registered_at"]):
            found[r["name"]] = None if r["definition"] is None else view_from_dict(
                r["name"], json.loads(r["definition"]), "_lakekit/feature_views")
        return {n: v for n, v in found.items() if v is not None}

    def views(self) -> list[FeatureView]:
        """Every view, by name: declared ones over registered ones of the same name."""
        return sorted({**self._registered(), **self._declared}.values(), key=lambda v: v.name)

    def view(self, name: str) -> FeatureView:
        views = {v.name: v for v in self.views()}
        if name not in views:
            known = ", ".join(views) or "none declared or registered"
            raise UsageError(f"no feature view '{name}' (known: {known})")
        return views[name]

    def info(self, name: str) -> ViewInfo:
        """One view with its table's latest version and column types."""
        view = self.view(name)
        source: Literal["declared", "registered"] = "declared" if name in self._declared else "registered"
        version, schema = None, None
        if self._storage.exists(view.table):
            snapshot = self._storage.open(view.table)
            version, schema = snapshot.version(), self._storage.dataset(view.table, snapshot=snapshot).schema
        features = view.feature_columns(schema.names) if schema is not None else view.features or ()
        wanted = (*view.entity, view.timestamp, *features)
        types = {c: str(schema.field(c).type) for c in wanted if c in schema.names} if schema is not None else {}
        d = view.asdict()
        return ViewInfo(view.name, view.table, view.entity, view.timestamp, tuple(features), d["ttl"],
                        view.description, source, version, types)

    def _columns(self, view: FeatureView, version: int | None) -> tuple[int, pa.Schema]:
        """(version, schema) of a view's table, the view checked against it."""
        snapshot = self._storage.open(view.table, version)
        schema = self._storage.dataset(view.table, snapshot=snapshot).schema
        view.feature_columns(schema.names)
        inputs.check_time(schema, view.timestamp, f"feature view '{view.name}': table '{view.table}'")
        return snapshot.version(), schema

    def pin(self, features: str | Sequence[str], versions: Mapping[str, int] | None = None) -> tuple[Pinned, ...]:
        """``"view:feature"`` / ``"view:*"`` names → each view at its pinned version (latest, or its
        table's entry in ``versions``) with the features asked for, in order."""
        chosen: dict[str, list[str]] = {}
        for name, feature in parse_refs(features):
            chosen.setdefault(name, [])
            chosen[name].append(feature)
        pins = []
        for name, wanted in chosen.items():
            view = self.view(name)
            version, schema = self._columns(view, (versions or {}).get(view.table))
            offered = view.feature_columns(schema.names)
            unknown = [f for f in wanted if f != "*" and f not in offered]
            if unknown:
                raise UsageError(f"feature view '{name}' has no feature '{unknown[0]}' "
                                 f"(it has: {', '.join(offered) or 'none'})")
            picked = [c for f in wanted for c in (offered if f == "*" else (f,))]
            pins.append(Pinned(view, version, tuple(dict.fromkeys(picked))))
        return tuple(pins)

    def _labels(self, labels: Labels) -> tuple[tuple[str, int] | None, pa.Table]:
        """((table, version) or None, rows) of labels given as a lake table or in memory."""
        if isinstance(labels, str) or (isinstance(labels, tuple) and len(labels) == 2 and isinstance(labels[0], str)):
            table, version = (labels, None) if isinstance(labels, str) else labels
            pinned = self._storage.resolve(table, version)
            return (table, pinned), self._storage.read(table, pinned)
        return None, inputs.arrow(labels, "labels")

    def historical(self, labels: Labels, features: str | Sequence[str], timestamp: str, *,
                   ttl: str | timedelta | None = None, known_at: KnownAt = "event", full_names: bool = False,
                   versions: Mapping[str, int] | None = None) -> pa.Table:
        """A point-in-time training set: per label row (kept 1:1, in order), each feature's value in
        the latest row of its view for the label's entity whose event time is at or before the
        label's ``timestamp`` — within ``ttl`` (a view's own by default), else null. ``known_at``
        ``"commit"`` also requires that row to have been committed to the lake by then; a latency
        such as ``"15m"`` allows it to have been committed that much later. Naive timestamps are UTC.
        """
        source, rows = self._labels(labels)
        recipe = TrainingSet.of(source, self.pin(features, versions), timestamp=timestamp, known_at=known_at,
                                ttl=ttl, full_names=full_names)
        return recipe.build(self._storage, rows)

    def entity_types(self, features: str | Sequence[str]) -> dict[str, pa.DataType]:
        """The entity key columns of the views behind ``features``, typed as in their latest versions."""
        found: dict[str, pa.DataType] = {}
        for name, _ in parse_refs(features):
            view = self.view(name)
            schema = self._columns(view, None)[1]
            found.update({k: schema.field(k).type for k in view.entity})
        return found

    def latest(self, entity_keys: Any, features: str | Sequence[str], *, at: datetime | None = None,
               full_names: bool = False) -> pa.Table:
        """The current value of each feature for each entity (``entity_keys``: rows of key columns as
        Arrow, polars, pandas, a mapping of columns or a list of records), from the same views and
        rules as :meth:`historical`: the latest row with an event time at or before ``at`` (now), within
        the view's ``ttl``. One row per key row, in order."""
        keys = inputs.arrow(entity_keys, "entity_keys")
        stamp = at or datetime.now(UTC)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        labels = keys.append_column(_AT, pa.repeat(pa.scalar(stamp, pa.timestamp("us", tz="UTC")), keys.num_rows))
        built = asof.point_in_time(self._storage, labels, self.pin(features), timestamp=_AT, latency=None, ttl=None,
                                   full_names=full_names, what="entity keys")
        return built.drop_columns([_AT])
