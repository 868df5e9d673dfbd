"""The journal of a new history rewrite (:mod:`lakekit.storage.history.rewrite`): which log files name the
replaced files, what the plan keeps of them (their stats' shape), the copies' names; refused before any change
when the log names a file with a deletion vector, an absolute path, or no replaced file at all."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from lakekit.errors import HistoryError
from lakekit.storage.history import actions as log
from lakekit.storage.history import stats
from lakekit.storage.history.store import JOURNAL_FORMAT, LogCache


def log_kind(name: str) -> tuple[str, int] | None:
    """:func:`~lakekit.storage.history.actions.log_kind`, a v2 checkpoint refused as a :class:`HistoryError`."""
    try:
        return log.log_kind(name)
    except ValueError as e:
        raise HistoryError(str(e)) from None


def plan(cache: LogCache, uri: str, replacements: Mapping[str, pa.Table | None], texts: bool) -> dict[str, Any]:
    """The journal of a new rewrite, after checking that the log names every replaced file and gives none
    a deletion vector. Changes nothing. Checkpoints are read only when a replaced file's ``add`` is in no
    commit left (a commit cleaned up after a checkpoint): later actions on a file are in later commits,
    and the cleanup removes the oldest ones first. "log_files" holds the commits naming an old file and
    the checkpoints there at the start (one written later is another writer's: ``concurrent``)."""
    bad = [p for p in replacements if "://" in p or p.startswith("/")]
    if bad:
        raise HistoryError(f"absolute paths are not supported: {bad[0]}")
    found: dict[str, dict[str, Any]] = {}
    naming: list[str] = []
    spelled = log.spellings(replacements)
    first, latest = None, -1
    checkpoints = []
    for name, seen in sorted(cache.store.list(cache.folder).items()):
        kind = log_kind(name)
        if kind is None or kind[0] == "crc":
            continue
        if kind[0] == "checkpoint":
            checkpoints.append((name, seen, kind[1]))
            continue
        if ".compacted." not in name:
            latest = max(latest, kind[1])
        raw = cache.read(name, seen) or b""
        if log.may_name(raw, spelled) and _note(found, name, log.json_actions(raw), replacements):
            naming.append(name)
            first = kind[1] if first is None else min(first, kind[1])
    added = {p for p, entry in found.items() if entry.get("added")}
    for name, seen, version in checkpoints:
        if added >= set(replacements):
            naming.append(name)
            continue
        raw = cache.store.read(f"{cache.folder}/{name}") or b""
        hits = _note(found, name, log.checkpoint_actions(raw, set(replacements)), replacements)
        cache.judged(name, seen, hits)
        if hits:
            naming.append(name)
            first = version if first is None else min(first, version)
    missing = sorted(set(replacements) - set(found))
    if missing:
        raise HistoryError(f"the log names no file {missing[0]!r} (paths are as in add.path, URL-encoded)")
    files = {p: {"new": new_name(p), "rows": 0, "size": 0, "stats": None,
                 "template": stats.template(found[p].get("stats"))} for p in sorted(replacements)}
    return {"format": JOURNAL_FORMAT, "table": uri, "id": uuid.uuid4().hex, "phase": "write",
            "start_version": latest, "first_version": first, "log_files": sorted(naming), "text_rewrite": texts,
            "files": files}


def _note(found: dict[str, dict[str, Any]], name: str, actions: list[tuple[str, dict[str, Any]]],
          replacements: Mapping[str, Any]) -> bool:
    """Note in ``found`` (path → what the plan keeps of it) the actions of one log file naming a replaced
    file, refusing a deletion vector; whether there was one."""
    hits = [(k, a) for k, a in actions if k in ("add", "remove", "cdc") and a.get("path") in replacements]
    for k, a in hits:
        if a.get("deletionVector"):
            raise HistoryError(f"{a['path']} has a deletion vector in {name}: not supported")
        entry = found.setdefault(a["path"], {})
        entry["added"] = entry.get("added") or k == "add"
        if a.get("stats") is not None and (k != "remove" or "stats" not in entry):
            entry["stats"] = a["stats"]  # an add's stats rather than a remove's
    return bool(hits)


def new_name(old: str) -> str:
    """A fresh data file name in the old file's folder (the folder part stays as the log spells it)."""
    folder = old.rsplit("/", 1)[0] + "/" if "/" in old else ""
    return f"{folder}part-00000-redacted-{uuid.uuid4()}-c000.parquet"
