"""How every bench compares lakekit with the tools a user would pick instead.

- Contenders run in the same bench run, **interleaved** (round r runs them in turn, the order
  reversed every other round), for at least ``BENCH_ROUNDS`` (default 5) rounds; figures are
  medians with the min-max beside them. The machine is shared, so single runs mean little.
- Where memory matters each contender lives in its own worker process (:class:`Worker`), so
  its peak RSS is its own: the worker resets its high-water mark (``/proc/self/clear_refs``)
  before each call and reports ``VmHWM`` after it, and how far that peak rose above the RSS the
  call started with (what the call itself needed, without the libraries the process imported).
- A peer that is not installed is named with the command that installs it (``pip install -e
  '.[bench]'``), never skipped silently.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROUNDS = max(5, int(os.environ.get("BENCH_ROUNDS", "5")))
INSTALL = "pip install -e '.[bench]'"


def missing(*modules: str) -> list[str]:
    """The modules of ``modules`` that cannot be imported."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def say_missing(peer: str, modules: Sequence[str]) -> None:
    print(f"  {peer}: not measured, {', '.join(modules)} missing ({INSTALL})")


@dataclass
class Samples:
    """Seconds (and peak RSS in MB, where measured) of one contender over the rounds."""

    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    rise_mb: list[float] = field(default_factory=list)

    def add(self, seconds: float, peak_mb: float | None = None, rise_mb: float | None = None) -> None:
        self.seconds.append(seconds)
        if peak_mb is not None:
            self.peak_mb.append(peak_mb)
        if rise_mb is not None:
            self.rise_mb.append(rise_mb)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return statistics.median(self.peak_mb) if self.peak_mb else float("nan")

    @property
    def rise(self) -> float:
        return statistics.median(self.rise_mb) if self.rise_mb else float("nan")

    def spread(self, scale: float = 1.0, unit: str = "s", digits: int = 3) -> str:
        s = [x * scale for x in self.seconds]
        return f"{statistics.median(s):.{digits}f} {unit} ({min(s):.{digits}f}-{max(s):.{digits}f})"


def interleave(contenders: Mapping[str, Callable[[int], float | tuple[float, ...] | None]],
               rounds: int = ROUNDS) -> dict[str, Samples]:
    """Run each contender once per round, in turn; a contender returns its own seconds (and peak MB)
    or None to be timed from the outside."""
    out = {name: Samples() for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            got = contenders[name](r)
            elapsed = time.perf_counter() - t0
            if got is None:
                out[name].add(elapsed)
            elif isinstance(got, tuple):
                out[name].add(*got)
            else:
                out[name].add(got)
    return out


def ratio_line(label: str, ours: Samples, peers: dict[str, Samples], *, target: float | None = None,
               scale: float = 1.0, unit: str = "s", digits: int = 3) -> str:
    """``label: lakekit … ÷ best peer … = ratio (target)``, the best peer being the fastest median."""
    best = min(peers, key=lambda p: peers[p].median)
    ratio = ours.median / peers[best].median
    goal = f"  (goal ≤ {target})" if target is not None else ""
    return (f"  {label}: lakekit {ours.spread(scale, unit, digits)} ÷ {best} "
            f"{peers[best].spread(scale, unit, digits)} = {ratio:.2f}{goal}")


class Worker:
    """A child process holding one contender's state (``module:Class(*args)``), timing its calls.

    ``call(method, *args)`` returns (seconds, peak RSS MB during the call, MB that peak rose above
    the RSS at the call's start).
    """

    def __init__(self, target: str, *args: Any) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.compare", target, json.dumps(args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=Path(__file__).resolve().parent.parent)
        self._reply()

    def call(self, method: str, *args: Any) -> tuple[float, float, float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps([method, list(args)]) + "\n")
        self.proc.stdin.flush()
        reply = self._reply()
        return float(reply["seconds"]), float(reply["peak_mb"]), float(reply["rise_mb"])

    def _reply(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench worker died (exit {self.proc.wait()})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _serve(target: str, args: list[Any]) -> None:
    module, name = target.split(":")
    state = getattr(importlib.import_module(module), name)(*args)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        method, call_args = json.loads(line)
        _reset_peak()
        start = _status_mb("VmRSS")
        t0 = time.perf_counter()
        try:
            getattr(state, method)(*call_args)
        except Exception as e:  # the parent prints it and stops
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
            continue
        seconds = time.perf_counter() - t0
        peak = _status_mb("VmHWM")
        print(json.dumps({"seconds": seconds, "peak_mb": peak, "rise_mb": peak - start}), flush=True)


if __name__ == "__main__":
    _serve(sys.argv[1], json.loads(sys.argv[2]))
