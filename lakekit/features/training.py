"""A training set's recipe: the labels and every feature view at pinned versions, and how they were
joined. Enough to build the same rows again however the tables moved on (``lake.reproduce``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyarrow as pa

from lakekit.features import asof
from lakekit.features.asof import Pinned
from lakekit.features.view import KnownAt, duration, duration_text, latency, view_from_dict
from lakekit.storage.delta import Storage


@dataclass(frozen=True)
class TrainingSet:
    """Labels (a lake table at ``labels_version``, or None for labels given in memory) joined to
    ``pins`` as of each label's ``timestamp``."""

    labels: str | None
    labels_version: int | None
    timestamp: str
    known_at: str
    ttl: timedelta | None
    full_names: bool
    pins: tuple[Pinned, ...]

    @staticmethod
    def of(labels: tuple[str, int] | None, pins: tuple[Pinned, ...], *, timestamp: str, known_at: KnownAt,
           ttl: str | timedelta | None, full_names: bool) -> TrainingSet:
        """A recipe from a call's arguments (``known_at`` and ``ttl`` checked and kept as text)."""
        lag = latency(known_at)
        mode = "event" if lag is None else "commit" if not lag else duration_text(lag)
        return TrainingSet(labels[0] if labels else None, labels[1] if labels else None, timestamp, mode,
                           None if ttl is None else duration(ttl, "ttl"), full_names, pins)

    def build(self, storage: Storage, labels: pa.Table) -> pa.Table:
        """The training set: ``labels`` (the rows of the labels table at its version, or those given)
        with the features of every pinned view."""
        what = f"labels table '{self.labels}'" if self.labels else "labels"
        return asof.point_in_time(storage, labels, self.pins, timestamp=self.timestamp, latency=latency(self.known_at),
                                  ttl=self.ttl, full_names=self.full_names, what=what)

    def asdict(self) -> dict[str, Any]:
        return {"labels": None if self.labels is None else {"table": self.labels, "version": self.labels_version},
                "timestamp": self.timestamp, "known_at": self.known_at,
                "ttl": None if self.ttl is None else duration_text(self.ttl), "full_names": self.full_names,
                "views": [{"view": p.view.asdict(), "version": p.version, "features": list(p.features)}
                          for p in self.pins]}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> TrainingSet:
        labels = data.get("labels") or {}
        pins = tuple(Pinned(view_from_dict(v["view"]["name"], v["view"], "a recorded training set"), int(v["version"]),
                            tuple(v["features"])) for v in data["views"])
        return TrainingSet(labels.get("table"), labels.get("version"), data["timestamp"], data["known_at"],
                           None if data.get("ttl") is None else duration(data["ttl"], "ttl"),
                           bool(data.get("full_names")), pins)
