"""Point-in-time training sets at scale.

1. ``lake.features.historical`` (``known_at="event"``) ÷ a hand-written DuckDB ``ASOF JOIN`` over
   the same pinned Delta version (goal ≤ 1.3), with each one's peak RSS.
2. ``known_at="commit"`` (each row's first-known version) and a recorded ``run.features.historical``
   (labels from a lake table, both tables fingerprinted) ÷ the same baseline.
3. Feast's offline ``get_historical_features`` (file source, the same rows as Parquet) where a Python
   with Feast is given in ``BENCH_FEAST_PYTHON``; the ratio is lakekit ÷ Feast. Feast's file store
   returns fewer rows than it was given labels (those of entities with no feature row yet); the
   bench counts them instead of failing.

Each measurement runs in its own process (its peak RSS is its own ``VmHWM``); the contenders take
turns for ``BENCH_ROUNDS`` rounds (:func:`bench.compare.interleave`), medians with min-max given.
Wall time and the ratio of CPU times (user + system, all threads) are both printed, as the machine
may be shared (the CPU ratio is the steadier one then). The baseline reads the version's files with
DuckDB's own ``read_parquet``, the fastest way a user would write it by hand. Sizes: ``BENCH_FEATURE_ROWS`` (default
10,000,000) over ``BENCH_ENTITIES`` (100,000), ``BENCH_LABELS`` (1,000,000); the feature table is
written in four appends (four versions).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

import lakekit as lk
from bench.compare import ROUNDS, Samples, interleave, ratio_line

ROWS = int(os.environ.get("BENCH_FEATURE_ROWS", "10000000"))
ENTITIES = int(os.environ.get("BENCH_ENTITIES", "100000"))
LABELS = int(os.environ.get("BENCH_LABELS", "1000000"))
FEAST = os.environ.get("BENCH_FEAST_PYTHON")
BASE = datetime(2024, 1, 1)
SPAN_US = 90 * 86_400 * 1_000_000
VIEW = lk.FeatureView("activity", table="f.activity", entity="user_id", timestamp="event_at")
FEATURES = ["clicks_7d", "views_7d", "spend_7d"]


def _rows(n: int, seed: int) -> pl.DataFrame:
    i = pl.int_range(0, n, eager=True)
    return pl.DataFrame({"i": i}).select(
        user_id=(pl.col("i").hash(seed) % ENTITIES).cast(pl.Int64),
        at=(pl.lit(BASE) + pl.duration(microseconds=(pl.col("i").hash(seed + 1) % SPAN_US).cast(pl.Int64))),
        x=pl.col("i"),
    )


def build(root: Path) -> None:
    lake = lk.Lake(root)
    features = _rows(ROWS, 1).select(
        "user_id", event_at="at", clicks_7d=pl.col("x") % 50, views_7d=(pl.col("x") % 97).cast(pl.Float64),
        spend_7d=pl.col("x").hash(7) % 10_000 / 100)
    for k in range(4):
        write_deltalake(lake._storage.uri("f.activity"), features.slice(k * ROWS // 4, ROWS // 4).to_arrow(),
                        mode="append")
    labels = _rows(LABELS, 11).select("user_id", ts="at", label=pl.col("x") % 2 == 0).to_arrow()
    pq.write_table(labels, root / "labels.parquet")
    write_deltalake(lake._storage.uri("l.labels"), labels)
    lake.features.register(VIEW)
    pq.write_table(DeltaTable(lake._storage.uri("f.activity")).to_pyarrow_table(), root / "features.parquet")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(variant: str, root: Path) -> None:
    """One measurement: prints {"seconds", "rss_mb", "rows"}."""
    lake = lk.Lake(root)
    labels = pq.read_table(root / "labels.parquet")
    cpu, started = _cpu(), time.perf_counter()
    if variant == "duckdb":
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        files = DeltaTable(lake._storage.uri("f.activity"), version=3).file_uris()
        con.register("l", labels)
        out = con.sql(f"SELECT l.*, f.clicks_7d, f.views_7d, f.spend_7d FROM l "
                      f"ASOF LEFT JOIN read_parquet({files!r}) f ON l.user_id = f.user_id AND l.ts >= f.event_at"
                      ).to_arrow_table()
    elif variant == "run":
        with lake.start_run("bench") as run:
            out = run.features.historical("l.labels", ["activity:*"], "ts")
    else:
        out = lake.features.historical(labels, ["activity:*"], "ts", known_at="commit" if variant == "commit"
                                       else "event")
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "cpu": _cpu() - cpu, "rss_mb": _peak_mb(), "rows": out.num_rows}))


FEAST_CHILD = """
import json, resource, sys, time, pathlib, pyarrow.parquet as pq
from datetime import timedelta
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
from feast.types import Float64, Int64
root = pathlib.Path(sys.argv[1]); repo = root / "feast"; repo.mkdir(exist_ok=True)
(repo / "feature_store.yaml").write_text(
    "project: bench\\nregistry: registry.db\\nprovider: local\\nentity_key_serialization_version: 3\\n"
    "offline_store:\\n  type: file\\nonline_store:\\n  type: sqlite\\n  path: online.db\\n")
store = FeatureStore(repo_path=str(repo))
user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64)
source = FileSource(path=str(root / "features.parquet"), timestamp_field="event_at")
view = FeatureView(name="activity", entities=[user], ttl=timedelta(days=3650), source=source,
                   schema=[Field(name="clicks_7d", dtype=Int64), Field(name="views_7d", dtype=Float64),
                           Field(name="spend_7d", dtype=Float64)])
store.apply([user, view])
labels = pq.read_table(root / "labels.parquet").to_pandas().rename(columns={"ts": "event_timestamp"})
labels["event_timestamp"] = labels["event_timestamp"].dt.tz_localize("UTC")
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
before, started = cpu(), time.perf_counter()
out = store.get_historical_features(entity_df=labels, features=[f"activity:{f}" for f in
                                    ("clicks_7d", "views_7d", "spend_7d")]).to_arrow()
seconds = time.perf_counter() - started
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu() - before, "rss_mb": peak, "rows": out.num_rows}))
"""


def _child(variant: str, root: Path, python: str = sys.executable) -> Callable[[int], tuple[float, ...]]:
    """A contender for :func:`bench.compare.interleave`: one child process per round, giving its
    own wall seconds and peak RSS (and keeping its CPU seconds in ``CPU``)."""
    script = [str(root / "feast_child.py")] if variant == "feast" else ["-m", "bench.features", "child", variant]

    def run(_round: int) -> tuple[float, ...]:
        done = subprocess.run([python, *script, str(root)], capture_output=True, text=True, check=False)
        if done.returncode:
            last = done.stderr.strip().splitlines()[-1:] or ["failed"]
            raise RuntimeError(f"{variant}: {last[0]}")
        got = json.loads(done.stdout.strip().splitlines()[-1])
        if variant == "feast":  # Feast drops the labels of entities with no feature row yet
            DROPPED[variant] = LABELS - got["rows"]
        else:
            assert got["rows"] == LABELS, (variant, got["rows"])
        CPU.setdefault(variant, []).append(got["cpu"])
        return got["seconds"], got["rss_mb"]

    return run


CPU: dict[str, list[float]] = {}
DROPPED: dict[str, int] = {}


def _line(label: str, ours: Samples, peer: str, theirs: Samples, variant: str, base: str,
          target: float | None = None) -> str:
    cpu = statistics.median(CPU[variant]) / statistics.median(CPU[base])
    return (f"{ratio_line(label, ours, {peer: theirs}, target=target, digits=2)}; CPU {cpu:.2f}; "
            f"peak RSS {ours.peak:,.0f} vs {theirs.peak:,.0f} MB")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        build(root)
        print(f"{ROWS:,} feature rows x {ENTITIES:,} entities (4 versions), {LABELS:,} labels: "
              f"built in {time.perf_counter() - started:.0f} s; {ROUNDS} rounds, interleaved, median (min-max)")
        contenders = {v: _child(v, root) for v in ("duckdb", "event", "commit", "run")}
        if FEAST:
            (root / "feast_child.py").write_text(FEAST_CHILD)
            contenders["feast"] = _child("feast", root, FEAST)
        got = interleave(contenders)
        base = "hand-written DuckDB ASOF JOIN (read_parquet of the version's files)"
        print(_line("historical, known_at='event'", got["event"], base, got["duckdb"], "event", "duckdb", 1.3))
        print(_line("historical, known_at='commit'", got["commit"], base, got["duckdb"], "commit", "duckdb"))
        print(_line("run.features.historical, recorded", got["run"], base, got["duckdb"], "run", "duckdb"))
        if FEAST:
            print(_line("historical, known_at='event'", got["event"], "Feast get_historical_features (file source)",
                        got["feast"], "event", "feast"))
            print(f"  Feast returned {LABELS - DROPPED['feast']:,} of {LABELS:,} label rows: it drops the "
                  f"{DROPPED['feast']:,} labels whose entity has no feature row yet (lakekit keeps them, with nulls)")
        else:
            print("  Feast: not measured (set BENCH_FEAST_PYTHON to a Python with feast installed)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
