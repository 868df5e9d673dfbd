"""The fuzz suite's count over a session: inputs tried (``inputs``) and cases with each kind of violation.

Each process counts the cases it ran. Under pytest-xdist (``make test``) a worker hands its count to the
controller when it finishes (``pytest_sessionfinish`` in tests/fuzz/conftest.py), the controller adds them
up (``pytest_testnodedown`` in tests/conftest.py) and prints the one summary line and sets the exit status.
"""

from __future__ import annotations

from collections import Counter

HEADLINE = ("traceback", "crash", "hang", "partial-commit")
"""The figures every run reports, found or not (issue 14's closing note)."""
TALLY: Counter[str] = Counter()
WORKER_KEY = "fuzz_tally"
"""Where a pytest-xdist worker puts its count in ``config.workeroutput``."""


def summary() -> str | None:
    """The closing line (``None`` when no fuzz case ran)."""
    if not TALLY["inputs"]:
        return None
    kinds = [*HEADLINE, *sorted(k for k in TALLY if k not in (*HEADLINE, "inputs"))]
    return f"fuzz: {TALLY['inputs']} inputs tried; cases with " + ", ".join(f"{k} {TALLY[k]}" for k in kinds)


def found_any() -> bool:
    """Whether any case had a violation (a recorded run, ``make fuzz``, then fails as a whole)."""
    return any(n for kind, n in TALLY.items() if kind != "inputs")
