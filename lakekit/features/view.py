"""Feature views: which lake table holds a group of features, keyed how, timed by which column.

A :class:`FeatureView` is a value: it names a table, its entity key column(s), its event-time
column, the feature columns (all the others when not listed) and an optional time-to-live. It is
declared in Python, in ``lakekit.toml`` (``[features.<name>]``, :func:`views_from_config`) or
registered in the lake (:meth:`lakekit.features.FeatureStore.register`). Features are named
``"view:feature"``, or ``"view:*"`` for all of a view's features.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from lakekit.errors import UsageError

_UNITS = {"us": timedelta(microseconds=1), "ms": timedelta(milliseconds=1), "s": timedelta(seconds=1),
          "m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_DURATION = re.compile(r"(\d+)(us|ms|s|m|h|d|w)")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def duration(value: str | timedelta, what: str) -> timedelta:
    """``"15m"``, ``"2h30m"``, ``"7d"`` (units us, ms, s, m, h, d, w) or a timedelta, never negative.

    >>> duration("1h30m", "ttl")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(value, timedelta):
        found = value
    else:
        text = value.strip()
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise UsageError(f"{what} must be a duration such as '15m', '2h' or '7d', got '{value}'")
        found = sum((int(n) * _UNITS[u] for n, u in parts), timedelta())
    if found < timedelta():
        raise UsageError(f"{what} must not be negative")
    return found


def duration_text(value: timedelta) -> str:
    """A duration as :func:`duration` reads it back (``timedelta(hours=2)`` → ``"2h"``).

    >>> duration_text(timedelta(days=1, minutes=5))
    '1445m'
    """
    micros = value // _UNITS["us"]
    for unit in ("d", "h", "m", "s", "ms", "us"):
        step = _UNITS[unit] // _UNITS["us"]
        if micros % step == 0:
            return f"{micros // step}{unit}"
    raise AssertionError("unreachable: every duration is a whole number of microseconds")


def _names(value: str | Sequence[str], what: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise UsageError(f"{what} must name at least one column")
    return names


@dataclass(frozen=True, init=False)
class FeatureView:
    """Features of one lake table: ``entity`` key column(s), the ``timestamp`` column saying when
    each row's values became true (its event time), the ``features`` (every other column but
    lakekit's own ``_``-prefixed ones when None) and an optional ``ttl``: a value older than that
    at a label's time counts as missing.

    >>> FeatureView("activity", table="features.activity_7d", entity="user_id", timestamp="event_at", ttl="7d")
    FeatureView(name='activity', table='features.activity_7d', entity=('user_id',), timestamp='event_at', \
features=None, ttl=datetime.timedelta(days=7), description='')
    """

    name: str
    table: str
    entity: tuple[str, ...]
    timestamp: str
    features: tuple[str, ...] | None = None
    ttl: timedelta | None = None
    description: str = field(default="", compare=False)

    def __init__(self, name: str, *, table: str, entity: str | Sequence[str], timestamp: str,
                 features: Sequence[str] | None = None, ttl: str | timedelta | None = None,
                 description: str = "") -> None:
        if not _NAME.match(name or ""):
            raise UsageError(f"a feature view name is a plain identifier, got '{name}'")
        parts = table.split(".")
        if len(parts) != 2 or not all(parts):
            raise UsageError(f"feature view '{name}': table names are 'namespace.name', got '{table}'")
        keys = _names(entity, f"feature view '{name}': entity")
        listed = None if features is None else _names(features, f"feature view '{name}': features")
        taken = {*keys, timestamp}
        clash = [c for c in listed or () if c in taken]
        if clash:
            raise UsageError(f"feature view '{name}': '{clash[0]}' is a key or the timestamp, not a feature")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "entity", keys)
        object.__setattr__(self, "timestamp", timestamp)
        object.__setattr__(self, "features", None if listed is None else tuple(dict.fromkeys(listed)))
        object.__setattr__(self, "ttl", None if ttl is None else duration(ttl, f"feature view '{name}': ttl"))
        object.__setattr__(self, "description", description)

    def feature_columns(self, columns: Sequence[str]) -> tuple[str, ...]:
        """The view's features among a table version's ``columns`` (listed ones must all be there)."""
        missing = [c for c in (*self.entity, self.timestamp, *(self.features or ())) if c not in columns]
        if missing:
            raise UsageError(f"feature view '{self.name}': table '{self.table}' has no column '{missing[0]}'")
        if self.features is not None:
            return self.features
        taken = {*self.entity, self.timestamp}
        return tuple(c for c in columns if c not in taken and not c.startswith("_"))

    def asdict(self) -> dict[str, Any]:
        """The definition as JSON-ready data (:func:`view_from_dict` reads it back)."""
        return {"name": self.name, "table": self.table, "entity": list(self.entity), "timestamp": self.timestamp,
                "features": None if self.features is None else list(self.features),
                "ttl": None if self.ttl is None else duration_text(self.ttl), "description": self.description}


_KEYS = {"table", "entity", "timestamp", "features", "ttl", "description"}


def view_from_dict(name: str, data: Mapping[str, Any], where: str) -> FeatureView:
    """A view from its definition (``lakekit.toml``'s ``[features.<name>]``, a registered row);
    a missing or unknown key is an error naming ``where``."""
    unknown = sorted(set(data) - _KEYS - {"name"})
    if unknown:
        raise UsageError(f"{where}: feature view '{name}' has an unknown key '{unknown[0]}'")
    missing = [k for k in ("table", "entity", "timestamp") if not data.get(k)]
    if missing:
        raise UsageError(f"{where}: feature view '{name}' needs '{missing[0]}'")
    for key in ("table", "timestamp", "description", "ttl"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise UsageError(f"{where}: feature view '{name}': '{key}' must be text")
    return FeatureView(name, table=data["table"], entity=data["entity"], timestamp=data["timestamp"],
                       features=data.get("features"), ttl=data.get("ttl"), description=data.get("description") or "")


def views_from_config(config: Mapping[str, Any], where: str = "lakekit.toml") -> list[FeatureView]:
    """The views a project config declares under ``[features.<name>]``.

    >>> views_from_config({"features": {"activity": {"table": "f.a", "entity": "user_id", "timestamp": "at"}}})
    [FeatureView(name='activity', table='f.a', entity=('user_id',), timestamp='at', features=None, ttl=None, \
description='')]
    """
    section = config.get("features") or {}
    if not isinstance(section, Mapping) or not all(isinstance(v, Mapping) for v in section.values()):
        raise UsageError(f"{where}: [features] holds one table per view, e.g. [features.activity]")
    return [view_from_dict(name, data, where) for name, data in section.items()]


FeatureRef = tuple[str, str]
"""(view name, feature name or ``"*"``)."""


def parse_refs(features: str | Sequence[str]) -> list[FeatureRef]:
    """``["activity:clicks_7d", "activity:*"]`` → [(view, feature), ...]; a bare view name means all.

    >>> parse_refs(["activity:clicks_7d", "profile"])
    [('activity', 'clicks_7d'), ('profile', '*')]
    """
    refs = [features] if isinstance(features, str) else list(features)
    if not refs:
        raise UsageError("features= names at least one feature ('view:feature' or 'view:*')")
    parsed = []
    for ref in refs:
        view, _, feature = str(ref).partition(":")
        if not view or (_ and not feature):
            raise UsageError(f"a feature is named 'view:feature' or 'view:*', got '{ref}'")
        parsed.append((view, feature or "*"))
    return parsed


KnownAtMode = Literal["event", "commit"]
KnownAt = KnownAtMode | str | timedelta
"""``"event"``: event time only; ``"commit"``: also committed by the label's time; a latency
(``"15m"`` or a timedelta): also committed by the label's time plus that latency."""


def latency(known_at: KnownAt) -> timedelta | None:
    """The allowed commit latency of a ``known_at`` (None: event time only).

    >>> latency("event") is None, latency("commit"), latency("15m")
    (True, datetime.timedelta(0), datetime.timedelta(seconds=900))
    """
    if known_at == "event":
        return None
    if known_at == "commit":
        return timedelta()
    return duration(known_at, "known_at (\"event\", \"commit\" or a latency such as \"15m\")")
