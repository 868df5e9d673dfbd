"""Time travel: ``lake.read(table, version=k)`` ÷ a plain ``DeltaTable(uri, version=k).to_pyarrow_table()``.

A 2,000,000-row table (``BENCH_ROWS``) written in 20 appends; old (k=4), middle (k=10) and latest
versions read; contenders interleaved, ``BENCH_ROUNDS`` rounds, medians (min-max), and the ratio of
the reads' CPU times (all threads). Goal: ≤ 1.1.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable

import polars as pl
from deltalake import DeltaTable, write_deltalake

from bench import compare
from lakekit import Lake

ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
APPENDS = 20


CPU: dict[str, list[float]] = {}
"""CPU seconds (all threads) of each read by contender: on a shared machine wall times swing with
what else runs, CPU times much less."""


def _timed(name: str, read: Callable[[], object]) -> float:
    c0, t0 = time.process_time(), time.perf_counter()
    read()
    CPU.setdefault(name, []).append(time.process_time() - c0)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lakekit-bench-") as tmp:
        lake = Lake(f"{tmp}/lake")
        uri = lake._storage.uri("raw.events")
        step = ROWS // APPENDS
        for k in range(APPENDS):
            i = pl.int_range(k * step, (k + 1) * step, eager=True)
            write_deltalake(uri, pl.DataFrame({"id": i, "score": i * 0.5, "kind": (i % 7).cast(pl.String)}).to_arrow(),
                            mode="append")
        print(f"time travel: {ROWS:,} rows in {APPENDS} versions, {compare.ROUNDS} rounds interleaved")
        for version in (4, 10, APPENDS - 1):
            CPU.clear()
            s = compare.interleave({
                "lakekit": lambda _r, v=version: _timed("lakekit", lambda: lake.read("raw.events", version=v)),
                "DeltaTable": lambda _r, v=version: _timed(
                    "DeltaTable", lambda: DeltaTable(uri, version=v).to_pyarrow_table()),
            })
            print(compare.ratio_line(f"version {version:>2}", s["lakekit"], {"DeltaTable": s["DeltaTable"]},
                                     target=1.1)
                  + f"; CPU {statistics.median(CPU['lakekit']) / statistics.median(CPU['DeltaTable']):.2f}")


if __name__ == "__main__":
    main()
