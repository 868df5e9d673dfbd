"""The first ``find`` of a process, as ``lakekit gdpr find`` always is, against the first scan of a process.

The lake is :mod:`bench.gdpr`'s. Each round starts two fresh interpreters in turn (the order
reversed every other round): one opens the lake (not timed) and calls ``lake.gdpr.find(email=…)``
once, the other runs :func:`bench.gdpr._scan` once; each times only its call, in wall and in CPU
time (every thread of the process). Both import the same modules before their clock starts (the
schema module, pyarrow's dataset API), so what a first call pays beyond a later one (opening
tables, replaying logs, pyarrow's first scan) is in both figures. Figures are medians with the
min-max beside them. Run: ``.venv/bin/python -m bench.gdpr_first [ROWS] [ROUNDS]``.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path

from bench.compare import Samples, interleave, ratio_line

CONTENDERS = ("find", "scan")


def _child(contender: str, root: Path) -> None:
    """One call in this fresh process: prints its wall and CPU seconds."""
    from bench import gdpr

    if contender == "find":
        from lakekit import Lake

        lake = Lake(root, schemas="bench.gdpr")

        def call() -> object:
            return lake.gdpr.find(email=gdpr.SUBJECT)
    else:

        def call() -> object:
            return gdpr._scan(root)

    wall, cpu = time.perf_counter(), time.process_time()
    call()
    print(time.perf_counter() - wall, time.process_time() - cpu)


def _round(contender: str, root: Path, cpu: Samples, _: int) -> float:
    """Run one contender in a fresh interpreter; its wall seconds (its CPU seconds go to ``cpu``)."""
    done = subprocess.run([sys.executable, "-m", "bench.gdpr_first", "--child", contender, str(root)],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    wall, used = (float(x) for x in done.stdout.split())
    cpu.add(used)
    return wall


def main() -> None:
    from bench import gdpr

    with gdpr.built() as (base, rounds):
        print("each call in a fresh process, contenders interleaved")
        cpu = {name: Samples() for name in CONTENDERS}
        built: Path = base / "built"
        walls = interleave({name: functools.partial(_round, name, built, cpu[name]) for name in CONTENDERS},
                           rounds)
        print(ratio_line("first find ÷ first scan, wall", walls["find"], {"scan": walls["scan"]}, target=1.5))
        print(ratio_line("first find ÷ first scan, CPU", cpu["find"], {"scan": cpu["scan"]}, target=1.5))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
