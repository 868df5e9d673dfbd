"""``lakekit repair``: rebuild lakekit's indexes from the tables' own commits.

Tables an older lakekit created under names the grammar now refuses (``fz.a b``, ``Demo.Upper``:
:mod:`lakekit.core.names`) are renamed first to the closest valid name, their index rows with
them, then indexed like any other.

Every data commit carries its provenance, so an index row lost to a crash between the commit
and the row is found again: loads, transforms (with their lineage edges, derived again from the
recorded SQL and pinned inputs) and versions written by runs. Loads and transforms also heal
when they are read; versions written by runs heal here, or when the run is retried. Validation
verdicts lost the same way cannot be derived from a commit; they are listed for
``lake.validate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lakekit import runs, transform
from lakekit.core import names
from lakekit.core.results import Result
from lakekit.errors import UsageError
from lakekit.index import history
from lakekit.index.heal import Healer, heal
from lakekit.storage.delta import Storage
from lakekit.write import indexes, ingest


@dataclass(frozen=True)
class RepairReport(Result):
    """How many index rows were written again, and the versions whose verdict is lost."""

    loads: int
    transforms: int
    run_outputs: int
    unrecorded_verdicts: tuple[str, ...]
    """``table@version`` of versions written with a schema whose verdict was never recorded."""
    renamed: tuple[str, ...] = ()
    """``old -> new`` for each table renamed to a valid name."""
    misnamed: tuple[str, ...] = ()
    """Folders of tables under invalid names that could not be renamed, with why."""


HEALERS: tuple[Healer[Any], ...] = (ingest.LOADS, transform.TRANSFORMS, runs.OUTPUTS)
"""Every index lakekit derives from commits, with how to restore it: one entry per index."""


def repair(storage: Storage) -> RepairReport:
    """Tables under names the grammar refuses renamed first; then every index healed from every
    data table's commits (each history read once for all healers), and the versions whose verdict
    was lost."""
    renamed, misnamed = _rename_misnamed(storage)
    healed = heal(storage, HEALERS)
    unrecorded = [f"{table}@{e.version}" for table in storage.tables() for e in history.history(storage, table)
                  if e.verdict == "unrecorded"]
    return RepairReport(healed["loads"], healed["transforms"], healed["run_outputs"], tuple(unrecorded),
                        tuple(renamed), tuple(misnamed))


def _rename_misnamed(storage: Storage) -> tuple[list[str], list[str]]:
    """Each table folder under a refused name moved to :func:`lakekit.core.names.suggest`'s name,
    its index rows first (a crash in between leaves the folder to rename on the next repair):
    ``(renamed, left as they were, with why)``."""
    renamed, misnamed = [], []
    for namespace, name in storage.misnamed():
        old, new = f"{namespace}.{name}", names.suggest(namespace, name)
        if storage.exists(new):
            misnamed.append(f"{names.shown(f'{namespace}/{name}')}: '{new}' exists; rename the folder by hand")
            continue
        try:
            indexes.rename_table(storage, old, new)
            storage.rename((namespace, name), new)
        except UsageError as e:
            misnamed.append(f"{names.shown(f'{namespace}/{name}')}: {e}")
            continue
        renamed.append(f"{names.shown(old)} -> {new}")
    return renamed, misnamed
