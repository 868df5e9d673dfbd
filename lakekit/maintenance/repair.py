"""``lakekit repair``: rebuild lakekit's indexes from the tables' own commits.

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
from lakekit.core.results import Result
from lakekit.index import history
from lakekit.index.heal import Healer, heal
from lakekit.storage.delta import Storage
from lakekit.write import ingest


@dataclass(frozen=True)
class RepairReport(Result):
    """How many index rows were written again, and the versions whose verdict is lost."""

    loads: int
    transforms: int
    run_outputs: int
    unrecorded_verdicts: tuple[str, ...]
    """``table@version`` of versions written with a schema whose verdict was never recorded."""


HEALERS: tuple[Healer[Any], ...] = (ingest.LOADS, transform.TRANSFORMS, runs.OUTPUTS)
"""Every index lakekit derives from commits, with how to restore it: one entry per index."""


def repair(storage: Storage) -> RepairReport:
    """Every index healed from every data table's commits (each history read once for all healers),
    and the versions whose verdict was lost."""
    healed = heal(storage, HEALERS)
    unrecorded = [f"{table}@{e.version}" for table in storage.tables() for e in history.history(storage, table)
                  if e.verdict == "unrecorded"]
    return RepairReport(healed["loads"], healed["transforms"], healed["run_outputs"], tuple(unrecorded))
