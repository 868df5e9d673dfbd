"""Bringing a lake written by an older lakekit up to the current format (:mod:`lakekit.index.formats`).

:func:`ensure` runs when a lake is opened. For each index table in a format older than
:data:`~lakekit.index.formats.FORMAT`, it applies the steps of :data:`STEPS` in order, each a
commit through :func:`~lakekit.write.commit.commit_once` that also records the format it reaches:
a crash between two steps leaves a table at the format of its last step, and the next opening
continues from there. Two processes opening an old lake at once both migrate it; a step
re-checks the format in the snapshot it commits on, so each step lands once.

A step is the change between two formats (new columns, new properties) plus the new
``lakekit.format``; format 1 → 2 only records the format. delta-rs refuses properties of ours in
the commit that creates a table, so a new index table is created in format 1 and brought up at
once (:func:`upgrade`): a step must also hold on a table that already has what it adds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from deltalake import DeltaTable

from lakekit.index.formats import FORMAT, PROPERTY, readable, table_format
from lakekit.index.metadata import SCHEMAS
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.write.commit import commit_once

Step = Callable[[DeltaTable], Mapping[str, str]]
"""One format step of an index table: the properties its commit sets, besides the format."""

STEPS: Mapping[int, Step] = {
    1: lambda dt: {},
}
"""Format n → n + 1, by n."""


def ensure(storage: Storage) -> None:
    """Bring every index table of the lake to :data:`FORMAT`; refuse a lake a newer lakekit wrote.

    Newer tables are checked first, so a refusal changes nothing.
    """
    present = [name for name in SCHEMAS if storage.exists(f"{META_NAMESPACE}.{name}")]
    formats = {name: table_format(storage.latest(f"{META_NAMESPACE}.{name}")) for name in present}
    for name, found in formats.items():
        readable(f"{META_NAMESPACE}.{name}", found)
    for name, found in formats.items():
        if found < FORMAT:
            upgrade(storage, f"{META_NAMESPACE}.{name}")


def upgrade(storage: Storage, table: str) -> None:
    """Apply the steps from ``table``'s format to :data:`FORMAT`, one commit each."""

    def attempt(base: DeltaTable | None) -> bool:
        if base is None or table_format(base) >= FORMAT:
            return True
        step = table_format(base)
        storage.set_properties(table, {**STEPS[step](base), PROPERTY: str(step + 1)}, base=base)
        return False

    while not commit_once(storage, table, attempt, kept=True):
        continue
