"""``make bench``: every performance figure, each as lakekit ÷ the best alternative a user would pick,
measured in the same run with the contenders interleaved (:mod:`bench.compare`).

Heavy peers (tpchgen-cli, dlt, MLflow, sqllineage) come with ``pip install -e '.[bench]'``; a bench
says which is missing instead of skipping it silently."""

from __future__ import annotations

import importlib
import sys
import time

BENCHES = ("sql", "transform", "ingest", "runs", "lineage", "timetravel", "validate", "gdpr", "features", "site",
           "engines")


def main() -> None:
    for name in BENCHES:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== bench/{name}.py")
        started = time.perf_counter()
        saved = sys.argv
        sys.argv = [f"bench.{name}"]
        try:
            module.main()
        finally:
            sys.argv = saved
        print(f"   ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
