"""Every failure issue 14 lists, as an explicit case (see corpus.py)."""

from __future__ import annotations

import pytest

from tests.fuzz.corpus import NATIVE, seeds

SEEDS = seeds()


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed(fuzz, seed: str) -> None:
    """Seeds of the crash class (native code: segfaults, panics, stack overflows, hangs) always run in
    real subprocesses; the others through the session's runner, confirmed in a subprocess when they fail."""
    fuzz.check(SEEDS[seed], subprocess=seed in NATIVE)
