"""Tests of :mod:`lakekit.storage.history.spare`: deleting the spare checkpoints leaves every version a
reader could open openable."""

from __future__ import annotations

import json

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


def _commit(actions: list[tuple[str, str]]) -> bytes:
    return "\n".join(json.dumps({kind: {"path": path, "dataChange": True}}) for kind, path in actions).encode()


PATHS = ["a.parquet", "b.parquet", "c.parquet"]


@given(st.lists(st.lists(st.tuples(st.sampled_from(["add", "remove"]), st.sampled_from(PATHS)), max_size=3),
                min_size=1, max_size=12),
       st.sets(st.integers(0, 11)), st.sets(st.integers(0, 11), min_size=1), st.sets(st.sampled_from(PATHS)))
def test_a_version_surely_holds_a_file_when_the_commits_say_so(
        history: list[list[tuple[str, str]]], missing: set[int], versions: set[int], paths: set[str]) -> None:
    """One sweep of the commits gives, per version, what replaying them up to that version does: a file one commit
    added and none since removed, every commit in between there (a missing commit cannot tell)."""
    commits = {v: f"{v:020d}.json" for v in range(len(history)) if v not in missing}
    raw = {commits[v]: _commit(actions) for v, actions in enumerate(history) if v in commits}
    expected = set()
    for version in versions:
        for path in paths:
            last = max((v for v in commits if v <= version and any(p == path for _, p in history[v])), default=None)
            if last is not None and [k for k, p in history[last] if p == path][-1] == "add" and all(
                    v in commits for v in range(last, version + 1)):
                expected.add(version)
    assert spare.holding(versions, commits, raw.__getitem__, paths) == expected
