"""Time travel: ``lake.read(table, version=k)`` ÷ a plain ``DeltaTable(uri, version=k).to_pyarrow_table()``.

A 2,000,000-row table (``BENCH_ROWS``) written in 20 appends; old (k=4), middle (k=10) and latest
versions read; contenders interleaved, ``BENCH_ROUNDS`` rounds, medians (min-max). Goal: ≤ 1.1.
"""

from __future__ import annotations

import os
import tempfile

import polars as pl
from deltalake import DeltaTable, write_deltalake

from bench import compare
from lakekit import Lake

ROWS = int(os.environ.get("BENCH_ROWS", "2000000"))
APPENDS = 20


def _lakekit(lake: Lake, version: int) -> None:
    lake.read("raw.events", version=version)


def _plain(uri: str, version: int) -> None:
    DeltaTable(uri, version=version).to_pyarrow_table()


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
            s = compare.interleave({
                "lakekit": lambda _r, v=version: _lakekit(lake, v),
                "DeltaTable": lambda _r, v=version: _plain(uri, v),
            })
            print(compare.ratio_line(f"version {version:>2}", s["lakekit"], {"DeltaTable": s["DeltaTable"]},
                                     target=1.1))


if __name__ == "__main__":
    main()
