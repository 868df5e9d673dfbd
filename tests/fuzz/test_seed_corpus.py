"""Every failure issue 14 lists, as an explicit case (see corpus.py)."""

from __future__ import annotations

import pytest

from tests.fuzz.corpus import seeds

SEEDS = seeds()


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed(fuzz, seed: str) -> None:
    fuzz.check(SEEDS[seed])
