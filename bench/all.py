"""``make bench``: every performance figure, each as a ratio against a baseline measured in the same run."""

from __future__ import annotations

import importlib
import sys
import time

BENCHES = ("ingest", "validate", "lineage", "transform", "runs", "gdpr", "features")


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
