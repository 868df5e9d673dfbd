"""Run bookkeeping costs.

1. Start + finish of a run with 5 inputs, over the same 5 plain ``lake.read`` calls, with 10,
   1,000 and 10,000 runs already recorded (target: ≤ 100 ms, not growing). The earlier runs'
   rows are appended in bulk (a few hundred commits, so compaction is exercised), then aged as
   if recorded over the past hour (their log files' times set back; the index tables keep five
   minutes of log). The same figure is printed before ageing: a burst of commits within the
   last five minutes slows each append (delta-rs lists a local log whole) until it expires.
2. ``lake.reproduce`` ÷ plain ``lake.read(version=…)`` of the same version (target: ≤ 1.2).
Rows for (2): ``BENCH_ROWS`` (default 2,000,000).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from deltalake import write_deltalake

from lakekit import Lake
from lakekit.index import metadata
from lakekit.index.provenance import environment, new_id
from lakekit.write import indexes

ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
TABLES = [f"raw.t{i}" for i in range(5)]
COMMITS = 200


def _prior_runs(lake: Lake, n: int) -> None:
    """``n`` finished runs of 5 reads each, appended in at most ``COMMITS`` commits per table."""
    env = environment()
    stamp = datetime.now(UTC)
    per = max(1, n // COMMITS)
    for start in range(0, n, per):
        ids = [new_id() for _ in range(min(per, n - start))]
        runs = [{"run_id": i, "name": "old", "status": s, "params": {"lr": 0.1}, "metrics": {}, "tags": {},
                 "artifacts": [], "started_at": stamp, "ended_at": stamp if s == "finished" else None,
                 "updated_at": stamp, **env} for i in ids for s in ("running", "finished")]
        reads = [{"run_id": i, "seq": k + 1, "table": t, "version": 0, "rows": 1000, "read_at": stamp,
                  "fingerprint": "xxh3_128:" + "0" * 32} for i in ids for k, t in enumerate(TABLES)]
        indexes.append(lake._storage, "runs", metadata.rows("runs", runs))
        indexes.append(lake._storage, "run_inputs", metadata.rows("run_inputs", reads))


def _age(lake: Lake) -> None:
    """Set the index tables' log files an hour back and let each table drop what it no longer keeps."""
    past = time.time() - 3600
    for log in Path(lake._storage.root, metadata.META_NAMESPACE).glob("*/_delta_log/*"):
        os.utime(log, (past, past))
    for name in ("runs", "run_inputs"):
        lake._storage.checkpoint(f"{metadata.META_NAMESPACE}.{name}")


def _overhead(lake: Lake, repeat: int = 9) -> tuple[float, float]:
    plain, run = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in TABLES:
            lake.read(t)
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with lake.start_run("bench", params={"lr": 0.1}) as r:
            for t in TABLES:
                r.read(t)
            r.log_metrics({"auc": 0.5})
        run.append(time.perf_counter() - t0)
    return statistics.median(plain), statistics.median(run)


def bench_overhead(root: str) -> None:
    lake = Lake(root)
    for t in TABLES:
        write_deltalake(lake._storage.uri(t), pl.DataFrame({"id": range(1000), "x": [1.5] * 1000}).to_arrow())
    recorded = 0
    for target in (10, 1_000, 10_000):
        _prior_runs(lake, target - recorded)
        recorded = target
        burst = _overhead(lake)
        _age(lake)
        plain, run = _overhead(lake)
        print(f"runs recorded {target:>6,}: 5 plain reads {plain * 1000:6.1f} ms, run start+5 reads+finish "
              f"{run * 1000:6.1f} ms, overhead {1000 * (run - plain):6.1f} ms "
              f"(right after the burst of commits: {1000 * (burst[1] - burst[0]):6.1f} ms)")


def bench_reproduce(root: str) -> None:
    lake = Lake(root)
    i = pl.int_range(0, ROWS, eager=True)
    frame = pl.DataFrame({"i": i}).select(
        user_id=pl.col("i"), email=pl.format("user{}@example.com", pl.col("i")),
        country=pl.lit("c") + (pl.col("i") % 50).cast(pl.String), score=pl.col("i") * 0.5,
        sessions=pl.col("i") % 97, active=pl.col("i") % 3 == 0)
    for k in range(4):
        write_deltalake(lake._storage.uri("raw.big"), frame.slice(k * ROWS // 4, ROWS // 4).to_arrow(), mode="append")
    with lake.start_run("bench") as run:
        run.read("raw.big")
    version = lake.run(run.run_id).inputs["raw.big"]
    read, again = [], []
    for _ in range(9):
        t0 = time.perf_counter()
        lake.read("raw.big", version=version)
        read.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lake.reproduce(run.run_id)
        again.append(time.perf_counter() - t0)
    r, a = statistics.median(read), statistics.median(again)
    print(f"reproduce {a:.3f} s ÷ read(version) {r:.3f} s = {a / r:.2f} ({ROWS:,} rows, 6 columns)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_overhead(f"{tmp}/overhead")
        bench_reproduce(f"{tmp}/reproduce")


if __name__ == "__main__":
    main()
