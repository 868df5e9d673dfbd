"""Transform cost: ``lake.transform`` of a join + group-by ÷ (DuckDB running the same transpiled SQL
over the same pinned Arrow datasets + ``write_deltalake`` of the result), same run.

Each side runs in its own child process so its peak RSS (VmHWM) is its own; both import the
same modules, and the baseline gets the transpiled SQL, before the clock starts. Also times
the skip path (the same SQL over the same versions again) and an incremental run after an
append of 1% more rows. Rows: ``BENCH_ROWS`` (default 5,000,000) events over ``rows / 10`` users;
each side runs ``BENCH_REPEAT`` times (default 3), alternating, and the medians are reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import write_deltalake

ROWS = int(os.environ.get("BENCH_ROWS", "5000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SQL = """
SELECT e.user_id, u.country, count(*) AS events, sum(e.amount) AS spent, max(e.ts) AS last_seen
FROM bench.events AS e
JOIN bench.users AS u ON e.user_id = u.user_id
WHERE u.active
GROUP BY e.user_id, u.country
"""
INCREMENTAL_SQL = """
SELECT e.event_id, e.user_id, e.amount * 1.19 AS gross, u.country
FROM bench.events AS e JOIN bench.users AS u ON e.user_id = u.user_id
WHERE e.amount > 10
"""

CHILD = r"""
import json, sys, time
from pathlib import Path
kind, root, sql, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
import duckdb
from deltalake import write_deltalake
import lakekit as lk
from lakekit.transform import query
lake = lk.Lake(root)
prepared = query.prepare(lake._storage, sql, dialect="snowflake")
t0 = time.perf_counter()
if kind == "baseline":
    con = duckdb.connect()
    con.sql("SET enable_progress_bar = false")
    for r in prepared.relations:
        con.register(r.name, lake._storage.dataset(r.table, r.version))
    write_deltalake(f"{root}/baseline/out{n}", con.sql(prepared.duckdb_sql).to_arrow_reader(65_536))
else:
    lake.transform(f"bench.out{n}", sql)
seconds = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "peak_mb": hwm / 1024}))
"""


def events(start: int, n: int, users: int) -> pa.Table:
    i = pa.array(range(start, start + n), pa.int64())
    return pa.table({
        "event_id": i,
        "user_id": pc.remainder(pc.multiply(i, 7919), users),
        "amount": pc.divide(pc.cast(pc.bit_wise_and(pc.multiply(i, 31), 1023), pa.float64()), 10.0),
        "ts": pc.cast(pc.add(pc.multiply(i, 1_000_000), 1_704_067_200_000_000), pa.timestamp("us", tz="UTC")),
        "kind": pc.binary_join_element_wise("k", pc.cast(pc.bit_wise_and(i, 7), pa.string()), ""),
    })


def make_lake(root: Path, rows: int) -> None:
    users = max(rows // 10, 1)
    u = pa.array(range(users), pa.int64())
    from lakekit import Lake

    lake = Lake(root)
    write_deltalake(lake._storage.uri("bench.users"), pa.table({
        "user_id": u,
        "country": pc.binary_join_element_wise("c", pc.cast(pc.bit_wise_and(u, 31), pa.string()), ""),
        "active": pc.not_equal(pc.bit_wise_and(u, 3), 0),
    }))
    step = 1_000_000
    for start in range(0, rows, step):
        write_deltalake(lake._storage.uri("bench.events"), events(start, min(step, rows - start), users),
                        mode="append" if start else "error")


def child(kind: str, root: Path, n: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(root), SQL, str(n)], capture_output=True,
                          text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def follow_ups(root: Path, rows: int) -> tuple[float, float, float]:
    """Seconds of: the skip path; a full incremental-ready first run; an incremental run after +1% rows."""
    from lakekit import Lake

    lake = Lake(root)
    t0 = time.perf_counter()
    assert lake.transform("bench.out0", SQL).skipped
    skip = time.perf_counter() - t0
    t0 = time.perf_counter()
    lake.transform("bench.wide", INCREMENTAL_SQL, incremental=True, keys=["event_id"])
    first = time.perf_counter() - t0
    extra = max(rows // 100, 1)
    write_deltalake(lake._storage.uri("bench.events"), events(rows, extra, max(rows // 10, 1)), mode="append")
    t0 = time.perf_counter()
    r = lake.transform("bench.wide", INCREMENTAL_SQL, incremental=True, keys=["event_id"])
    assert r.reason.startswith("incremental"), r.reason
    return skip, first, time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lakekit-bench-") as tmp:
        root = Path(tmp) / "lake"
        t0 = time.perf_counter()
        make_lake(root, ROWS)
        print(f"transform: join + group-by over {ROWS:,} events (made in {time.perf_counter() - t0:.1f}s)")
        bases, ours_ = [], []
        for n in range(REPEAT):  # alternated, so both sides see the same machine load; medians reported
            bases.append(child("baseline", root, n))
            ours_.append(child("lakekit", root, n))
        base = {k: statistics.median(b[k] for b in bases) for k in ("seconds", "peak_mb")}
        ours = {k: statistics.median(o[k] for o in ours_) for k in ("seconds", "peak_mb")}
        print(f"  medians of {REPEAT} runs each")
        print(f"  baseline DuckDB + write_deltalake: {base['seconds']:.2f}s, peak RSS {base['peak_mb']:.0f} MB")
        print(f"  lake.transform:                    {ours['seconds']:.2f}s, peak RSS {ours['peak_mb']:.0f} MB")
        print(f"  ratio transform / baseline: {ours['seconds'] / base['seconds']:.2f}  (target <= 1.2); "
              f"peak RSS ratio {ours['peak_mb'] / base['peak_mb']:.2f}  (target <= 1.5)")
        skip, first, incremental = follow_ups(root, ROWS)
        print(f"  skip path (same SQL, same versions): {skip * 1000:.0f} ms")
        print(f"  row-wise join, full: {first:.2f}s; incremental after +1% rows: {incremental:.2f}s")


if __name__ == "__main__":
    main()
