"""Healing the indexes from the commits they describe.

Every index row of a write (a load, a transform, a version a run wrote) is derived from the
provenance record of the commit that made it, and the row is appended after the commit: a crash
in between leaves a commit without its row. A :class:`Healer` says, for one index, which commits
it describes and how to write their rows again; :func:`heal` runs a list of them over the tables'
histories, each history read once for all of them. The list lakekit runs is
:data:`lakekit.maintenance.repair.HEALERS`, one entry per index, the way sqlglot's optimizer is a
list of rules: a new index derived from commits is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from lakekit.index import history, metadata
from lakekit.index.history import HistoryEntry
from lakekit.index.provenance import Provenance
from lakekit.storage.delta import Storage

P = TypeVar("P", bound=Provenance)


@dataclass(frozen=True)
class Lost(Generic[P]):
    """A commit whose index rows are missing: its table, its history entry, its record."""

    table: str
    entry: HistoryEntry
    made: P


@dataclass(frozen=True)
class Healer(Generic[P]):
    """Restores the ``_lakekit/<index>`` rows of the commits whose provenance is a ``made_by``.

    ``key`` is the index's row key; ``key_of`` gives a commit's key (its rows are missing when
    the index lacks it); ``restore`` appends the rows of the lost commits, once per key however
    often it is called (an append ``once_by`` the key).
    """

    index: str
    key: str
    made_by: type[P]
    key_of: Callable[[str, P], str]
    restore: Callable[[Storage, Sequence[Lost[P]]], None]

    def lost(self, table: str, entry: HistoryEntry, known: set[str]) -> Lost[P] | None:
        made = entry.provenance
        if isinstance(made, self.made_by) and self.key_of(table, made) not in known:
            return Lost(table, entry, made)
        return None


@dataclass(frozen=True)
class _Healed:
    """What a heal in this process left whole: the indexes' keys then, and each table it read →
    (its latest version then, that commit file's stamp)."""

    known: dict[str, set[str]]
    tables: dict[str, tuple[int, int]]


_HEALED: dict[tuple[str, tuple[str, ...]], _Healed] = {}
"""(lake root, indexes) → the last heal of those indexes in this process."""


def heal(storage: Storage, healers: Sequence[Healer[Any]], tables: Iterable[str] | None = None) -> dict[str, int]:
    """Run ``healers`` (one per index) over the commits of ``tables`` (default: every data table);
    returns, per index, how many commits had their rows written again.

    A table the last heal of the same indexes in this process read is skipped while its log has
    not moved (its latest commit file the same, none after it) and the indexes still hold every
    key they held then: its commits are those that heal found indexed (two stats, not an open)."""
    known = {h.index: set(metadata.read(storage, h.index).column(h.key).to_pylist()) for h in healers}
    memo = (storage.root, tuple(h.index for h in healers))
    last = _HEALED.get(memo)
    whole = last.tables if last is not None and all(last.known[i] <= known[i] for i in known) else {}
    read: dict[str, tuple[int, int]] = {}
    lost: dict[str, list[Lost[Any]]] = {h.index: [] for h in healers}
    for table in storage.tables() if tables is None else tables:
        if table in whole and _unmoved(storage, table, *whole[table]):
            continue
        entries = history.commits(storage, table)
        for entry in entries:
            for h in healers:
                if (found := h.lost(table, entry, known[h.index])) is not None:
                    lost[h.index].append(found)
        if entries and (stamp := storage.commit_stamp(table, entries[0].version)) is not None:
            read[table] = (entries[0].version, stamp)
    for h in healers:
        if lost[h.index]:
            h.restore(storage, lost[h.index])
            known[h.index].update(h.key_of(found.table, found.made) for found in lost[h.index])
    _HEALED[memo] = _Healed(known, {**whole, **read})
    return {index: len(found) for index, found in lost.items()}


def _unmoved(storage: Storage, table: str, version: int, stamp: int) -> bool:
    """Whether ``table``'s latest commit is still ``version``, its file stamped ``stamp``."""
    return storage.commit_stamp(table, version) == stamp and storage.commit_stamp(table, version + 1) is None
