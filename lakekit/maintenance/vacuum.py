"""Housekeeping that keeps what runs read: vacuum old files, except those of pinned versions.

A version of a data table is pinned when some recorded run read it or wrote it;
its files survive any retention, so ``lake.reproduce`` keeps working. Only an erasure
(``lakekit.gdpr``) removes files of pinned versions: those holding the erased subject.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakekit import runs
from lakekit.core.progress import Steps, counted
from lakekit.core.results import Result
from lakekit.errors import UsageError
from lakekit.index import metadata
from lakekit.storage import staged
from lakekit.storage.delta import Storage


@dataclass(frozen=True)
class TableVacuum(Result):
    """One table's vacuum: files removed (or that would be, on a dry run) and versions kept."""

    table: str
    removed: tuple[str, ...]
    kept_versions: tuple[int, ...]
    kept_for: dict[int, tuple[str, ...]]
    """Kept version → the runs that read or wrote it."""


@dataclass(frozen=True)
class VacuumReport(Result):
    """What ``lake.vacuum`` did (``dry_run``: would do) per table."""

    retention_hours: int
    dry_run: bool
    tables: tuple[TableVacuum, ...]

    @property
    def removed(self) -> int:
        return sum(len(t.removed) for t in self.tables)


def pinned_versions(storage: Storage) -> dict[str, dict[int, tuple[str, ...]]]:
    """table → version → the runs that need it (read it or wrote it)."""
    pins: dict[str, dict[int, set[str]]] = {}
    for dep in runs.run_dependencies(storage):
        for table, version in (*dep.inputs.items(), *dep.outputs.items()):
            pins.setdefault(table, {}).setdefault(version, set()).add(dep.run_id)
    for r in metadata.read(storage, "run_inputs").to_pylist():  # every read, not only the last per table
        pins.setdefault(r["table"], {}).setdefault(r["version"], set()).add(r["run_id"])
    return {t: {v: tuple(sorted(ids)) for v, ids in versions.items()} for t, versions in pins.items()}


def vacuum(storage: Storage, table: str | None = None, *, retention_hours: int = 168,
           dry_run: bool = False, progress: Steps | None = None) -> VacuumReport:
    """Remove files older than ``retention_hours`` that no version needs any more, from ``table``
    (default: every data table), keeping the files of every pinned version; ``progress`` counts tables."""
    if retention_hours < 0:
        raise UsageError(f"retention_hours must be 0 or more, got {retention_hours}")
    pins = pinned_versions(storage)
    done = []
    for name in counted([table] if table is not None else storage.tables(), progress):
        kept = pins.get(name, {})
        removed = storage.vacuum(name, retention_hours=retention_hours, dry_run=dry_run, keep_versions=list(kept))
        if not dry_run:  # the scratch logs of writes killed between staging their files and committing them
            staged.sweep(storage, name, retention_hours)
        done.append(TableVacuum(name, tuple(sorted(removed)), tuple(sorted(kept)), dict(sorted(kept.items()))))
    if table is None and not dry_run:  # first writes into new tables, killed before their commit
        staged.sweep_unborn(storage, retention_hours)
    return VacuumReport(retention_hours, dry_run, tuple(done))
