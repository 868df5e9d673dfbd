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

from lakekit import runs, transform
from lakekit.core.results import Result
from lakekit.index import metadata
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


def repair(storage: Storage) -> RepairReport:
    """Each index healed from every data table's commits (loads, verdicts, transforms and run
    outputs each read the histories they need: repair is rare, its readers are shared)."""
    loads = 0
    unrecorded = []
    for table in storage.tables():
        before = metadata.read(storage, "loads", filter=metadata.of_table(table)).num_rows
        loads += ingest.loads(storage, table).num_rows - before
        unrecorded += [f"{table}@{e.version}" for e in metadata.history(storage, table)
                       if e.verdict == "unrecorded"]
    return RepairReport(loads, transform.heal(storage), runs.heal_outputs(storage), tuple(unrecorded))
