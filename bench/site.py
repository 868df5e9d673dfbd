"""``lakekit docs build`` on a big lake (issue 21, point 6): 500 tables, 50,000 column lineage edges.

The lake is made the way a user makes one: ``BENCH_SITE_RAW`` tables ingested from small CSV
files, then transforms (each joins two earlier tables and adds their columns pairwise: two
direct edges per output column, plus the join's indirect edges) up to ``BENCH_SITE_TABLES``
tables, and ``BENCH_SITE_RUNS`` model runs reading three tables and writing one. Making it takes
minutes; ``BENCH_SITE_LAKE=<folder>`` keeps it there and reuses it.

Measured: ``BENCH_SITE_ROUNDS`` builds (gather + write; the lineage walks of every column are
made here; the first also folds the run journal left by making the lake) and their median, its
largest data files (what the browser loads at once: the index, one table, one table's lineage),
what ``lakekit docs serve`` spends on a page load when the lake did not change, and where
Debian's chromium is installed, the time the tables page takes to show every table and a
column's downstream graph to draw (loaded from ``file://``).
Goal: build < 30 s.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from lakekit import Lake, site

TABLES = int(os.environ.get("BENCH_SITE_TABLES", "500"))
EDGES = int(os.environ.get("BENCH_SITE_EDGES", "50000"))
RAW = int(os.environ.get("BENCH_SITE_RAW", str(max(2, TABLES // 10))))
RUNS = int(os.environ.get("BENCH_SITE_RUNS", "20"))
ROUNDS = int(os.environ.get("BENCH_SITE_ROUNDS", "2"))
CHROMIUM = "/usr/bin/chromium"


def _columns() -> int:
    """Value columns per table so that the transforms make about ``EDGES`` edges (2 per column, 3 for the join)."""
    return max(1, (-(-EDGES // max(1, TABLES - RAW)) - 2) // 2)


def make_lake(root: Path) -> Lake:
    lake = Lake(root)
    if lake.tables():
        return lake
    width = _columns()
    header = ",".join(["k", *(f"c{i}" for i in range(width))])
    data = root.parent / f"{root.name}-data"
    data.mkdir(parents=True, exist_ok=True)
    names = [f"raw.r{i}" for i in range(RAW)]
    for name in names:
        path = data / f"{name}.csv"
        path.write_text(header + "\n" + "\n".join(",".join(str(k + i) for i in range(width + 1)) for k in range(3)))
        lake.ingest(name, str(path))
    rng = random.Random(21)
    for i in range(TABLES - RAW):
        a, b = rng.sample(names, 2)
        values = ", ".join(f"a.c{c} + b.c{c} AS c{c}" for c in range(width))
        target = f"derived.d{i}"
        lake.transform(target, f"SELECT a.k, {values} FROM {a} a JOIN {b} b ON a.k = b.k", dialect="duckdb")
        names.append(target)
    for i in range(RUNS):
        with lake.start_run(f"model{i % 4}", params={"i": i}) as run:
            for table in rng.sample(names, 3):
                run.read(table, columns=["k", "c0"])
            run.log_metrics({"auc": 0.5 + i / 100})
            run.write(f"scored.s{i}", lake.read(names[-1], columns=["k", "c0"]))
    return lake


def _cpu() -> float:
    used = os.times()
    return used.user + used.system


def _browser(index: Path) -> tuple[float, float] | None:
    """Seconds until the tables page lists every table, and until a downstream walk draws (None: no chromium)."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    from tests.site.browser import ARGS

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=list(ARGS),
                                                       headless=True)
        page = context.new_page()
        started = time.perf_counter()
        page.goto(index.as_uri())
        page.wait_for_function(f"document.querySelectorAll('#tables tbody tr').length === {TABLES + RUNS}")
        listed = time.perf_counter() - started
        started = time.perf_counter()
        page.goto(f"{index.as_uri()}#/lineage/raw.r0.c0/down")
        page.wait_for_selector("#edge-count", timeout=120_000)
        walked = time.perf_counter() - started
        context.close()
    return listed, walked


def main() -> None:
    kept = os.environ.get("BENCH_SITE_LAKE")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(kept) if kept else Path(folder) / "lake"
        started = time.perf_counter()
        lake = make_lake(root)
        print(f"lake: {len(lake.tables())} tables, {len(lake.lineage.edges()):,} lineage edges, "
              f"{lake.runs().num_rows} runs (made or opened in {time.perf_counter() - started:.0f} s)")
        out = Path(folder) / "site"
        walls, cpus = [], []
        for build in range(ROUNDS):  # the first also folds the run journal left by making the lake
            started, cpu = time.perf_counter(), _cpu()
            gathered = site.gather(lake)
            gathering = time.perf_counter() - started
            report = site.write(gathered, out)
            walls.append(time.perf_counter() - started)
            cpus.append(_cpu() - cpu)
            print(f"docs build {build + 1}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU (gather {gathering:.1f} s, "
                  f"write {walls[-1] - gathering:.1f} s), {report.files:,} files, load {os.getloadavg()[0]:.1f}")
        print(f"docs build, {ROUNDS} rounds: median {statistics.median(walls):.1f} s wall ({min(walls):.1f} to "
              f"{max(walls):.1f}), {statistics.median(cpus):.1f} s CPU ({min(cpus):.1f} to {max(cpus):.1f}); "
              "goal < 30 s")
        data = out / "data"
        biggest = max((data / "tables").iterdir(), key=lambda p: p.stat().st_size)
        lineage = [p.stat().st_size for p in (data / "lineage").iterdir()]
        edges = sum(p.stat().st_size for p in (data / "edges").iterdir())
        hops = gathered.index["hops"]
        print(f"index.js {(data / 'index.js').stat().st_size / 1e6:.2f} MB, largest table file "
              f"{biggest.stat().st_size / 1e3:.0f} kB; lineage files {sum(lineage) / 1e6:.1f} MB in all, largest "
              f"{max(lineage) / 1e3:.0f} kB, edge files {edges / 1e6:.1f} MB "
              f"({'no hop limit' if hops is None else f'hop limit {hops}'})")
        served = site.Rebuilder(lake, out)
        served.refresh()
        started = time.perf_counter()
        again = [served.refresh() for _ in range(3)]
        print(f"serve: a page load with the lake unchanged {(time.perf_counter() - started) / 3:.2f} s "
              f"(lake.state(), no build: {again == [None] * 3})")
        shown = _browser(out / "index.html")
        if shown is None:
            print(f"browser: {CHROMIUM} missing (make browser installs it)")
        else:
            print(f"browser: tables page lists all {TABLES + RUNS} tables in {shown[0]:.2f} s; "
                  f"downstream of raw.r0.c0 walked and drawn in {shown[1]:.2f} s")


if __name__ == "__main__":
    main()
