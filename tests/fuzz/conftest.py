"""Fixtures of the fuzz suite: one runner and one scratch folder per session, and ``fuzz.check``.

Environment:

* ``LAKEKIT_FUZZ_EXAMPLES``  hypothesis examples per fuzz test (default 10; ``make fuzz``: 1000)
* ``LAKEKIT_FUZZ_RUNNER``    ``fork`` (default where ``os.pidfd_open`` exists), ``subprocess``, ``inprocess``
* ``LAKEKIT_FUZZ_CONFIRM``   ``1`` (default): a violation found by a non-subprocess runner is run again
                             in real subprocesses before it counts (once per signature)
* ``LAKEKIT_FUZZ_RECORD``    a JSONL path: record every case's violations there instead of failing
* ``LAKEKIT_FUZZ_TIMEOUT``   seconds before a command counts as hung (default 20)
* ``LAKEKIT_FUZZ_FOLLOW_SHARE``  share of successful loads that get every follow-up (default 1; the
                             others are shown and their content checked only)
* ``LAKEKIT_FUZZ_SUBPROCESS_SHARE``  share of generated cases run in real subprocesses (default 0.05)
* ``LAKEKIT_FUZZ_CLI``       the lakekit command (default: the console script beside this interpreter)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.cases import Case, Violation
from tests.fuzz.harness import confirm, execute
from tests.fuzz.record import Recorder
from tests.fuzz.runners import SubprocessRunner, make_runner
from tests.fuzz.tally import TALLY, WORKER_KEY

CONFIRM = os.environ.get("LAKEKIT_FUZZ_CONFIRM", "1") == "1"
SUBPROCESS_SHARE = float(os.environ.get("LAKEKIT_FUZZ_SUBPROCESS_SHARE", "0.05"))
"""The share of generated cases run in real subprocesses even when nothing fails: what the fork
server cannot see (a crash at interpreter exit, state set at import under another environment)."""


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its count to the controller (tests/fuzz/tally.py)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = dict(TALLY)


def signature(v: Violation) -> str:
    """What makes two violations the same failure: the kind, the command, the message without numbers."""
    detail = re.sub(r"/\S+/case-\w+", "<case>", v.detail)
    detail = re.sub(r"'[^']*'", "'…'", detail)
    detail = re.sub(r"\([^)]*\)", "(…)", detail)  # Arrow's Column(/a/b) and the like
    detail = re.sub(r"\d+", "N", detail)[:120]
    return f"{v.kind}|{v.step[0] if v.step else ''}|{detail}"


class Fuzz:
    """Runs cases, confirms violations in subprocesses, records or fails."""

    def __init__(self, runner: Any, base: Path) -> None:
        self.runner = runner
        self.reference = SubprocessRunner()
        self.base = base
        self.recorder = Recorder.from_env()
        self.confirmed: dict[frozenset[str], list[Violation]] = {}

    def check(self, case: Case, *, subprocess: bool = False) -> None:
        """Run ``case`` (in subprocesses when ``subprocess``, or for a sampled share of cases)."""
        digest = hashlib.sha256(json.dumps(case.describe(), sort_keys=True).encode()).digest()
        runner = self.reference if subprocess or digest[0] < 256 * SUBPROCESS_SHARE else self.runner
        start = time.monotonic()
        try:
            found = execute(case, runner, self.base)
        except Exception as e:  # a harness failure: recorded in campaign mode, raised otherwise
            if self.recorder.path is None:
                raise
            found = [Violation("harness-error", [], f"{type(e).__name__}: {e}")]
        spent = time.monotonic() - start
        truth: list[Violation] | None = found
        confirmed: bool | None = runner.name == "subprocess"
        if found and CONFIRM and runner.name != "subprocess" and found[0].kind != "harness-error":
            key = frozenset(signature(v) for v in found)
            if key not in self.confirmed:
                try:
                    self.confirmed[key] = confirm(case, self.base)
                except OSError as e:  # e.g. E2BIG: an argument no real command line can carry
                    self.confirmed[key] = [Violation("harness-error", [], f"not confirmed: {e}")]
                confirmed = True
                truth = self.confirmed[key]
            else:
                confirmed = None  # same signature as a confirmed case: taken as is
                truth = found if self.confirmed[key] else []
        self.recorder.record(case, found if truth is None else truth, runner.name, confirmed,
                             seconds=spent, total=time.monotonic() - start, raw=found)
        TALLY["inputs"] += 1
        TALLY.update({v.kind for v in truth or []})
        if truth and self.recorder.path is None:
            raise AssertionError(f"{case.label}: {len(truth)} violation(s)\n" + "\n".join(map(str, truth)))


@pytest.fixture(scope="session")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    runner = make_runner()
    try:
        yield Fuzz(runner, tmp_path_factory.mktemp("fuzz"))
    finally:
        runner.close()
