"""The point-in-time join against a brute-force reference in plain Python, on real Delta tables
whose histories hypothesis draws: appends (late arrivals among them), merges updating rows of an
old event time, deletes, compactions and overwrites, at real commit times.

The reference knows nothing of files: it reads every version of the table whole, takes a row's
first-known version as the oldest version from which its content is in every version up to the
pinned one, and for each label picks, among the pinned version's rows of the label's entity that
were true (and, in commit mode, committed) by the label's time, the greatest (event time,
first-known version, value) — then blanks it when older than the ttl.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import lakekit as lk

TICK = timedelta(milliseconds=15)
MS = timedelta(milliseconds=1)
ENTITIES = st.integers(0, 3)
ROWS = st.lists(st.tuples(ENTITIES, st.integers(0, 12), st.one_of(st.none(), st.integers(0, 3))),
                min_size=1, max_size=8)
OPS = st.lists(st.one_of(
    st.tuples(st.just("append"), ROWS),
    st.tuples(st.just("merge"), ROWS),
    st.tuples(st.just("delete"), ENTITIES),
    st.tuples(st.just("compact"), st.none()),
    st.tuples(st.just("overwrite"), ROWS),
), min_size=1, max_size=6)
LABELS = st.lists(st.tuples(ENTITIES, st.integers(-2, 16), st.sampled_from(["tick", -1, 0, 1])), min_size=1,
                  max_size=12)
"""(entity, tick, where): at event tick ``tick``, or ``where`` ms from the commit time of version ``tick``."""
MODES: list[tuple[str, timedelta | None]] = [("event", None), ("commit", timedelta()),
                                             ("20ms", timedelta(milliseconds=20))]
TTLS = [None, timedelta(milliseconds=40)]


def _table(rows: list[tuple[int, int, int | None]], base: datetime) -> pa.Table:
    at = [base + t * TICK for _, t, _ in rows]
    return pa.table({"user_id": pa.array([e for e, _, _ in rows], pa.int64()),
                     "at": pa.array(at, pa.timestamp("us", tz="UTC")),
                     "value": pa.array([v for _, _, v in rows], pa.int64()),
                     "seen": pa.array(at, pa.timestamp("us", tz="UTC"))})


def _apply(uri: str, op: str, arg: Any, base: datetime) -> None:
    if op in ("append", "overwrite") or not DeltaTable.is_deltatable(uri):
        write_deltalake(uri, _table(arg if isinstance(arg, list) else [(0, 0, 0)], base),
                        mode="overwrite" if op == "overwrite" else "append")
    elif op == "merge":
        unique = list({(e, t): (e, t, v) for e, t, v in arg}.values())
        (DeltaTable(uri).merge(_table(unique, base), "t.user_id = s.user_id AND t.at = s.at", source_alias="s",
                               target_alias="t").when_matched_update_all().when_not_matched_insert_all().execute())
    elif op == "delete":
        DeltaTable(uri).delete(f"user_id = {arg}")
    else:
        DeltaTable(uri).optimize.compact()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ns(t: datetime) -> int:
    return (t.replace(tzinfo=t.tzinfo or UTC) - EPOCH) // timedelta(microseconds=1) * 1000


def _value_key(v: int | None) -> tuple[bool, int]:
    return (v is not None, v or 0)


def _reference(uri: str, labels: list[tuple[int, datetime]], latency: timedelta | None,
               ttl: timedelta | None) -> tuple[list[Any], dict[tuple[Any, ...], int], dict[int, int]]:
    """(values per label, first-known version per content, commit ns per version)."""
    latest = DeltaTable(uri).version()
    snapshots = [{tuple(r.values()) for r in DeltaTable(uri, version=v).to_pyarrow_table(
        columns=["user_id", "at", "value", "seen"]).to_pylist()} for v in range(latest + 1)]
    commits, high = {}, 0
    for h in sorted(DeltaTable(uri).history(), key=lambda h: h["version"]):
        high = max(high, h["timestamp"])
        commits[h["version"]] = high * 1_000_000
    first: dict[tuple[Any, ...], int] = {}
    for content in snapshots[latest]:
        v = latest
        while v > 0 and content in snapshots[v - 1]:
            v -= 1
        first[content] = v
    values = []
    for entity, t in labels:
        tn = _ns(t)
        eligible = [c for c in first if c[0] == entity and _ns(c[1]) <= tn
                    and (latency is None or commits[first[c]] <= tn + latency // timedelta(microseconds=1) * 1000)]
        best = max(eligible, key=lambda c: (_ns(c[1]), first[c], _value_key(c[2])), default=None)
        fresh = best is not None and (ttl is None or _ns(best[1]) >= tn - ttl // timedelta(microseconds=1) * 1000)
        values.append((best[2], best[3]) if fresh and best is not None else (None, None))
    return values, first, commits


@pytest.mark.slow
@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, drawn=LABELS)
def test_point_in_time_equals_brute_force(ops: list[tuple[str, Any]], drawn: list[tuple[int, int, Any]]) -> None:
    base = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        lake = lk.Lake(folder, feature_views=[lk.FeatureView("act", table="f.act", entity="user_id", timestamp="at")])
        uri = lake._storage.uri("f.act")
        for op, arg in ops:
            _apply(uri, op, arg, base)
            time.sleep(0.005)
        stamps = sorted(h["timestamp"] for h in DeltaTable(uri).history())
        # labels at event ticks and around commit times, naive (taken as UTC)
        labels = [((base + tick * TICK) if where == "tick" else
                   datetime.fromtimestamp(stamps[tick % len(stamps)] / 1000, UTC) + int(where) * MS,
                   entity) for entity, tick, where in drawn]
        when = [t.astimezone(UTC).replace(tzinfo=None) for t, _ in labels]
        table = pa.table({"user_id": pa.array([e for _, e in labels], pa.int64()),
                          "labelled_at": pa.array(when, pa.timestamp("us"))})
        results = {}
        for mode, latency in MODES:
            for ttl in TTLS:
                got = lake.features.historical(table, ["act:value", "act:seen"], "labelled_at", known_at=mode, ttl=ttl)
                expected, first, commits = _reference(uri, [(e, t) for t, e in labels], latency, ttl)
                assert got.select(["user_id", "labelled_at"]).equals(table)
                pairs = list(zip(got["value"].to_pylist(), got["seen"].to_pylist(), strict=True))
                assert pairs == expected, (mode, ttl)
                results[mode, ttl] = expected
                for (t, _), seen in zip(labels, got["seen"].to_pylist(), strict=True):
                    assert seen is None or _ns(seen) <= _ns(t)  # never a row from the future
                if latency is not None:  # never a row committed after the label (plus latency)
                    for (e, t), (value, seen) in zip([(e, t) for t, e in labels], expected, strict=True):
                        if seen is not None:
                            known = commits[first[(e, seen, value, seen)]]
                            assert known <= _ns(t) + latency // timedelta(microseconds=1) * 1000
        event(f"commit mode {'differs from' if results['commit', None] != results['event', None] else 'is'} event mode")
        event(f"latency {'differs from' if results['commit', None] != results['20ms', None] else 'is'} commit mode")
