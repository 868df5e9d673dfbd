"""Ingest cost: ``lake.ingest`` of a CSV ÷ what a user would pick instead, same run, interleaved.

Peers: streaming pyarrow (``pyarrow.csv.open_csv`` in 1 MiB blocks → ``write_deltalake`` of the
reader: the floor of a Delta load in Python) and dlt's Delta destination (``filesystem`` with
``table_format="delta"``, fed the same Arrow batches). Each load runs in a fresh child process, so
its peak RSS (VmHWM) is its own; ``BENCH_ROUNDS`` rounds, contenders interleaved, medians and
min-max, and each load's CPU time (all its threads; on a shared machine it swings far less than
the wall time). Sizes: ``BENCH_INGEST_ROWS`` (default 2,000,000 and 8,000,000 rows, ~230 MB and ~950 MB).
Goals: lakekit ÷ streaming pyarrow ≤ 1.1 at both sizes, peak RSS flat in the file size. Then:
re-ingesting the unchanged file (its fingerprint remembered: no read, whatever its size), the
same with ``verify=True`` (hashed again), with a schema, and the skip path on 50 small files.

Each child first loads a 2-row file of its own (the real file's header and first row) the same
way, so what the clock measures is a load, not the imports and first-use costs of the process
(DataFusion's first query, the first commit); ``BENCH_INGEST_COLD=1`` leaves
that out and measures a cold process.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandera.polars as pa
import polars as pl

from bench import compare

SIZES = [int(n) for n in os.environ.get("BENCH_INGEST_ROWS", "2000000,8000000").split(",")]


class BenchUsers(pa.DataFrameModel):
    """The bench CSV's schema: not-null, range, regex and uniqueness checks, PII tagged."""

    user_id: int = pa.Field(unique=True, ge=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r"^[a-z0-9]+@example\.com$", metadata={"pii": "email"})
    country: str = pa.Field(str_length={"min_value": 2, "max_value": 3})
    score: float = pa.Field(ge=0, le=200)
    sessions: int = pa.Field(ge=0)
    active: bool
    ip: str = pa.Field(metadata={"pii": "ip"})
    balance: float = pa.Field(ge=0)

    class Config:
        name = "raw.bench"

CHILD = r"""
import json, os, resource, shutil, sys, time
from pathlib import Path
kind, csv, root = sys.argv[1], sys.argv[2], sys.argv[3]
import pyarrow.csv as pacsv
from deltalake import write_deltalake
import lakekit as lk
if kind == "dlt":
    import dlt
def cpu():
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime
def load(csv, root):
    if kind == "pyarrow":
        write_deltalake(root + "/pyarrow", pacsv.open_csv(csv, read_options=pacsv.ReadOptions(block_size=1 << 20)))
    elif kind == "dlt":
        def batches():
            yield from pacsv.open_csv(csv, read_options=pacsv.ReadOptions(block_size=1 << 20))
        pipe = dlt.pipeline(pipeline_name="bench", pipelines_dir=root + "/dlt-state", dataset_name="raw",
                            destination=dlt.destinations.filesystem(bucket_url="file://" + root + "/dlt"))
        pipe.run(dlt.resource(batches(), name="bench", table_format="delta"), loader_file_format="parquet")
    elif kind == "schema":
        from bench.ingest import BenchUsers
        lk.Lake(root).ingest("raw.bench", csv, schema=BenchUsers)
    else:
        lk.Lake(root).ingest("raw.bench", csv, verify=kind == "verify")
warm = root + "-warm"
if os.environ.get("BENCH_INGEST_COLD") != "1":  # a first load of 2 rows: imports and first-use costs before the clock
    Path(warm).mkdir(parents=True)
    with open(csv) as f:
        Path(warm, "warm.csv").write_text(f.readline() + f.readline())
    load(warm + "/warm.csv", warm)
t0, c0 = time.perf_counter(), cpu()
load(csv, root)
seconds, cpu_seconds = time.perf_counter() - t0, cpu() - c0
shutil.rmtree(warm, ignore_errors=True)
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, "peak_mb": hwm / 1024}))
"""


def make_csv(path: Path, rows: int) -> None:
    """A deterministic CSV with ~10 mixed columns (ints, floats, strings, timestamps, bools)."""
    i = pl.col("i")
    df = pl.DataFrame({"i": pl.int_range(0, rows, eager=True)}).select(
        user_id=i,
        email=pl.format("user{}@example.com", i),
        country=pl.lit("de") + (i % 5).cast(pl.String),
        score=(i * 7919 % 10007) / 100.0,
        sessions=i % 97,
        active=i % 3 == 0,
        signup_ts=(i * 13_000_000 + 1_704_067_200_000_000).cast(pl.Datetime("us")),
        ip=pl.format("10.{}.{}.{}", i % 256, (i // 256) % 256, i % 7),
        agent=pl.lit("Mozilla/5.0 (X11) v") + (i % 3).cast(pl.String),
        balance=(i * 31 % 100003) / 7.0,
    )
    df.write_csv(path)


CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system, all threads) of each load by kind: on a shared machine a load's wall
time swings with what else runs, its CPU time much less."""


def child(kind: str, csv: Path, root: Path) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(csv), str(root)],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    CPU.setdefault(kind, []).append(float(result["cpu"]))
    return float(result["seconds"]), float(result["peak_mb"])


def skip_path(root: Path, files: list[Path], table: str) -> float:
    import lakekit as lk

    lake = lk.Lake(root)
    lake.ingest(table, [str(f) for f in files])
    t0 = time.perf_counter()
    result = lake.ingest(table, [str(f) for f in files])
    assert result.skipped
    return (time.perf_counter() - t0) / len(files)


def fresh(kind: str, csv: Path, work: Path, r: int) -> tuple[float, float]:
    """One load by ``kind`` into a new lake (removed after)."""
    root = work / f"{kind}-{r}"
    try:
        return child(kind, csv, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def at_size(work: Path, rows: int) -> None:
    csv = work / f"rows-{rows}.csv"
    t0 = time.perf_counter()
    make_csv(csv, rows)
    print(f"ingest: {rows:,} rows, {csv.stat().st_size / 1e6:.0f} MB CSV (made in {time.perf_counter() - t0:.0f} s), "
          f"{compare.ROUNDS} rounds interleaved, median (min-max)")
    contenders = {"lakekit": lambda r: fresh("lakekit", csv, work, r),
                  "pyarrow": lambda r: fresh("pyarrow", csv, work, r)}
    absent = compare.missing("dlt")
    if absent:
        compare.say_missing("dlt", absent)
    else:
        contenders["dlt"] = lambda r: fresh("dlt", csv, work, r)
    CPU.clear()
    s = compare.interleave(contenders)
    for name, got in s.items():
        print(f"    {name:<8} {got.spread()}  peak RSS {got.peak:.0f} MB  CPU {statistics.median(CPU[name]):.2f} s "
              f"({min(CPU[name]):.2f}-{max(CPU[name]):.2f})")
    print(compare.ratio_line("lake.ingest ÷ streaming pyarrow + write_deltalake", s["lakekit"],
                             {"pyarrow": s["pyarrow"]}, target=1.1))
    if "dlt" in s:
        print(f"  lake.ingest ÷ dlt Delta destination: {s['lakekit'].median / s['dlt'].median:.2f}")
    print(f"  CPU lakekit ÷ pyarrow: {statistics.median(CPU['lakekit']) / statistics.median(CPU['pyarrow']):.2f}")
    print(f"  peak RSS lakekit ÷ pyarrow: {s['lakekit'].peak / s['pyarrow'].peak:.2f}")
    lake = work / "kept"
    child("lakekit", csv, lake)
    again = compare.interleave({"unchanged": lambda _r: child("lakekit", csv, lake)[0],
                                "verify": lambda _r: child("verify", csv, lake)[0]})
    print(f"  re-ingest of the unchanged file: {again['unchanged'].spread(1000, 'ms', 0)} (fingerprint remembered); "
          f"with verify=True {again['verify'].spread(1000, 'ms', 0)} (hashed again), "
          "both in a fresh process")
    checked = fresh("schema", csv, work, 0)[0]
    print(f"  lake.ingest with a schema (pandera checks): {checked:.2f} s, ÷ without "
          f"{checked / s['lakekit'].median:.2f}")
    shutil.rmtree(lake, ignore_errors=True)
    csv.unlink()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lakekit-bench-") as tmp:
        work = Path(tmp)
        for rows in SIZES:
            at_size(work, rows)
        small = work / "small"
        small.mkdir()
        files = []
        for n in range(50):
            f = small / f"part-{n:03d}.csv"
            f.write_text("user_id,value\n" + "".join(f"{n * 100 + k},{k}\n" for k in range(100)))
            files.append(f)
        per_file = skip_path(work / "lake-skip", files, "raw.small")
        print(f"  skip path, 50 small files: {per_file * 1000:.1f} ms per file")


if __name__ == "__main__":
    main()
