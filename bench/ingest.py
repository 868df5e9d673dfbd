"""Ingest cost: ``lake.ingest`` of a CSV ÷ (``pyarrow.csv.read_csv`` + ``write_deltalake``), same run.

Each side runs in its own child process so its peak RSS (VmHWM) is its own; both import the
same modules before the clock starts. Also measures the
skip path (re-ingest of already-loaded files) per file, on a small and on the large table.
Rows: ``BENCH_ROWS`` (default 5,000,000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandera.polars as pa
import polars as pl

ROWS = int(os.environ.get("BENCH_ROWS", "5000000"))


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
import json, sys, time
from pathlib import Path
kind, csv, root = sys.argv[1], sys.argv[2], sys.argv[3]
import pyarrow.csv as pacsv
from deltalake import write_deltalake
import lakekit as lk
t0 = time.perf_counter()
if kind == "baseline":
    write_deltalake(root + "/baseline", pacsv.read_csv(csv))
elif kind == "schema":
    from bench.ingest import BenchUsers
    lk.Lake(root).ingest("raw.bench", csv, schema=BenchUsers)
else:
    lk.Lake(root).ingest("raw.bench", csv)
seconds = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "peak_mb": hwm / 1024}))
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


def child(kind: str, csv: Path, root: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(csv), str(root)],
                          capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def skip_path(root: Path, files: list[Path], table: str) -> float:
    import lakekit as lk

    lake = lk.Lake(root)
    lake.ingest(table, [str(f) for f in files])
    t0 = time.perf_counter()
    result = lake.ingest(table, [str(f) for f in files])
    assert result.skipped
    return (time.perf_counter() - t0) / len(files)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lakekit-bench-") as tmp:
        work = Path(tmp)
        csv = work / "big.csv"
        t0 = time.perf_counter()
        make_csv(csv, ROWS)
        print(f"ingest: {ROWS:,} rows, {csv.stat().st_size / 1e6:.0f} MB CSV (made in {time.perf_counter() - t0:.1f}s)")
        base = child("baseline", csv, work / "lake-base")
        ours = child("lakekit", csv, work / "lake-ours")
        checked = child("schema", csv, work / "lake-schema")
        print(f"  baseline read_csv + write_deltalake: {base['seconds']:.2f}s, peak RSS {base['peak_mb']:.0f} MB")
        print(f"  lake.ingest:                         {ours['seconds']:.2f}s, peak RSS {ours['peak_mb']:.0f} MB")
        print(f"  lake.ingest with schema:             {checked['seconds']:.2f}s, peak RSS {checked['peak_mb']:.0f} MB")
        print(f"  ratio ingest / baseline: {ours['seconds'] / base['seconds']:.2f}  (target <= 1.25)")
        print(f"  ratio ingest with schema / without: {checked['seconds'] / ours['seconds']:.2f}  (target <= 1.3)")
        small = work / "small"
        small.mkdir()
        files = []
        for n in range(50):
            f = small / f"part-{n:03d}.csv"
            f.write_text("user_id,value\n" + "".join(f"{n * 100 + k},{k}\n" for k in range(100)))
            files.append(f)
        fresh = skip_path(work / "lake-skip", files, "raw.small")
        print(f"  skip path, small table: {fresh * 1000:.1f} ms per file  (target <= 50)")
        large = skip_path(work / "lake-ours", files, "raw.bench")
        print(f"  skip path, {ROWS:,}-row table: {large * 1000:.1f} ms per file  (target <= 50)")


if __name__ == "__main__":
    main()
