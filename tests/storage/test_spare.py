"""Tests of :mod:`lakekit.storage.history.spare`: deleting the spare checkpoints leaves every version a
reader could open openable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lakekit.storage.history import spare

LATEST = 30


def _opens(version: int, checkpoints: set[int], commits: set[int]) -> bool:
    """Whether a reader opens ``version``: from the newest checkpoint at or before it, else from commit 0."""
    start = max((c for c in checkpoints if c <= version), default=-1)
    return set(range(start + 1, version + 1)) <= commits


@given(st.sets(st.integers(0, LATEST), min_size=1), st.integers(0, LATEST), st.none() | st.integers(0, LATEST))
def test_every_version_that_opened_still_opens_without_the_spare_checkpoints(
        checkpoints: set[int], cleaned: int, named: int | None) -> None:
    commits = set(range(cleaned, LATEST + 1))  # a log cleanup took the commits before ``cleaned``
    found = spare.spare(checkpoints, commits, named)
    assert found <= checkpoints and max(checkpoints) not in found and named not in found
    kept = checkpoints - found
    for version in range(LATEST + 1):
        if _opens(version, checkpoints, commits):
            assert _opens(version, kept, commits), version


def test_with_every_commit_there_only_the_newest_and_the_named_checkpoints_stay() -> None:
    assert spare.spare({9, 19, 29}, set(range(LATEST + 1)), 19) == {9}
    assert spare.spare({9, 19, 29}, set(range(10, LATEST + 1)), None) == {19}  # 9 opens 9..18: 10..19 replay from it
