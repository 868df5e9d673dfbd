"""Which checkpoints naming a replaced file a history rewrite may delete instead of rewriting: pure
functions of a ``_delta_log`` listing and its commits' bytes, used by :mod:`lakekit.storage.history.rewrite`.

A reader of version v starts from the newest checkpoint at or before v it finds, else from the first
commit, and replays the commits after it. A checkpoint is *spare* when the commits from an earlier
checkpoint that stays (or from version 0) up to its version are all in the log: its versions open
from those instead. The newest checkpoint and the one ``_last_checkpoint`` names are never spare.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from lakekit.storage.history import actions


def spare(checkpoints: Collection[int], commits: Collection[int], named: int | None) -> set[int]:
    """The spare versions among ``checkpoints`` (versions with a checkpoint), given the versions whose
    commit files are in the log and the version ``_last_checkpoint`` names."""
    ordered = sorted(checkpoints)
    found, kept = set(), -1
    for version in ordered[:-1]:
        if version != named and set(range(kept + 1, version + 1)) <= set(commits):
            found.add(version)
        else:
            kept = version
    return found


def holding(versions: Collection[int], commits: Mapping[int, str], read: Callable[[str], bytes],
            paths: Collection[str]) -> set[int]:
    """Those of ``versions`` that surely hold one of ``paths`` (as ``add.path`` spells them), by the commits
    (version → file name, read by ``read``), in one sweep: one added it and none since removed it, every
    commit in between in the log. A version the commits cannot tell of is left out."""
    spelled = actions.spellings(paths)
    last: dict[str, tuple[int, str]] = {}
    ordered, found, i = sorted(commits), set(), 0
    for version in sorted(versions):
        while i < len(ordered) and ordered[i] <= version:
            raw = read(commits[ordered[i]])
            if actions.may_name(raw, spelled):
                for kind, action in actions.json_actions(raw):
                    if kind in ("add", "remove") and action.get("path") in paths:
                        last[action["path"]] = (ordered[i], kind)
            i += 1
        if any(kind == "add" and set(range(v, version + 1)) <= commits.keys() for v, kind in last.values()):
            found.add(version)
    return found
