"""Run bookkeeping costs, against MLflow with a local SQLite store.

1. A run (start, 5 reads of 1,000-row tables, metrics, finish) ÷ the same 5 plain ``lake.read``
   calls: the overhead in ms with 10, 1,000 and 10,000 runs already recorded (goal: ≤ 30 ms at
   each, not growing). The earlier runs are recorded in bulk (20 appends to the index tables,
   made just before: nothing is back-dated). MLflow doing the same bookkeeping (``start_run``,
   one ``log_param`` per read, ``log_metrics``, ``end_run``) over the same plain reads is measured
   with 10 and 100 earlier runs (creating thousands of MLflow runs takes too long here).
   Contenders interleaved, ``BENCH_ROUNDS`` rounds (at least 9 here), medians and min-max.
2. ``lake.reproduce`` ÷ plain ``lake.read(version=...)`` of the same version (target: ≤ 1.2).
Rows for (2): ``BENCH_ROWS`` (default 2,000,000).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime

import polars as pl
from deltalake import write_deltalake

from bench import compare
from lakekit import Lake
from lakekit.index import metadata
from lakekit.index.provenance import environment, new_id
from lakekit.write import indexes

ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
TABLES = [f"raw.t{i}" for i in range(5)]
BULK = 20
ROUNDS = max(compare.ROUNDS, 9)


def _prior_runs(lake: Lake, n: int) -> None:
    """``n`` finished runs of 5 reads each, appended in ``BULK`` commits per index table."""
    env = environment()
    stamp = datetime.now(UTC)
    per = max(1, n // BULK)
    for start in range(0, n, per):
        ids = [new_id() for _ in range(min(per, n - start))]
        runs = [{"run_id": i, "name": "old", "status": s, "params": {"lr": 0.1}, "metrics": {}, "tags": {},
                 "artifacts": [], "started_at": stamp, "ended_at": stamp if s == "finished" else None,
                 "updated_at": stamp, **env} for i in ids for s in ("running", "finished")]
        reads = [{"run_id": i, "seq": k + 1, "table": t, "version": 0, "rows": 1000, "read_at": stamp,
                  "fingerprint": "xxh3_128:" + "0" * 32} for i in ids for k, t in enumerate(TABLES)]
        indexes.append(lake._storage, "runs", metadata.rows("runs", runs))
        indexes.append(lake._storage, "run_inputs", metadata.rows("run_inputs", reads))


def _plain(lake: Lake) -> None:
    for t in TABLES:
        lake.read(t)


def _tracked(lake: Lake) -> None:
    with lake.start_run("bench", params={"lr": 0.1}) as r:
        for t in TABLES:
            r.read(t)
        r.log_metrics({"auc": 0.5})


class _Mlflow:
    """MLflow's bookkeeping of the same run over the same plain reads, in a SQLite store."""

    def __init__(self, lake: Lake, folder: str) -> None:
        import mlflow

        self.mlflow, self.lake = mlflow, lake
        mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
        mlflow.set_experiment("bench")
        self.runs = 0

    def record(self, n: int) -> None:
        while self.runs < n:
            self.run()

    def run(self) -> None:
        with self.mlflow.start_run():
            self.mlflow.log_params({"lr": 0.1})
            for t in TABLES:
                self.lake.read(t)
                self.mlflow.log_param(f"input.{t}", self.lake.resolve_version(t))
            self.mlflow.log_metrics({"auc": 0.5})
        self.runs += 1


def bench_overhead(root: str) -> None:
    lake = Lake(root)
    for t in TABLES:
        write_deltalake(lake._storage.uri(t), pl.DataFrame({"id": range(1000), "x": [1.5] * 1000}).to_arrow())
    absent = compare.missing("mlflow")
    if absent:
        compare.say_missing("MLflow", absent)
    flow = None if absent else _Mlflow(lake, root)
    recorded = 0
    print(f"runs: a run (start + 5 reads + metrics + finish) - 5 plain reads, {ROUNDS} rounds interleaved, "
          "median (min-max) ms")
    for target in (10, 1_000, 10_000):
        _prior_runs(lake, target - recorded)
        recorded = target
        contenders = {"plain": lambda _r: _plain(lake), "lakekit": lambda _r: _tracked(lake)}
        if flow is not None and target <= 1_000:
            flow.record(min(target, 100))
            contenders["mlflow"] = lambda _r: flow.run()
        s = compare.interleave(contenders, rounds=ROUNDS)
        plain = s["plain"].median
        line = (f"  {target:>6,} earlier runs: plain reads {s['plain'].spread(1000, 'ms', 1)}; "
                f"lakekit {s['lakekit'].spread(1000, 'ms', 1)}, overhead {(s['lakekit'].median - plain) * 1000:.1f} ms "
                "(goal ≤ 30)")
        if "mlflow" in s:
            line += (f"; MLflow ({min(target, 100)} earlier) {s['mlflow'].spread(1000, 'ms', 1)}, overhead "
                     f"{(s['mlflow'].median - plain) * 1000:.1f} ms; lakekit ÷ MLflow "
                     f"{s['lakekit'].median / s['mlflow'].median:.2f}")
        print(line)


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
