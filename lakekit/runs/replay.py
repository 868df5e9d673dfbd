"""What a recorded run means now: reproduce its inputs, compare two runs, find stale runs.

Reproduction reads each recorded ``run.read`` again at its pinned version with the same
columns and filter, and checks the result against the recorded fingerprint. Delta versions are
immutable, so appends, overwrites, merges, deletes and schema changes made since do not reach
them; only a removed file (a vacuum that did not keep the version) or a different reader could,
and that is an error naming the table, never a silently different training set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lakekit import runs
from lakekit.core.diff import diff_rows
from lakekit.core.fingerprint import table_fingerprint
from lakekit.core.model import unique_keys
from lakekit.core.progress import Steps, counted
from lakekit.core.results import Result, RowDiff
from lakekit.errors import LakekitError, NotReproducible, VersionNotFound
from lakekit.index import history
from lakekit.index.history import HistoryEntry
from lakekit.index.provenance import RunProvenance, TransformProvenance
from lakekit.runs import erasures
from lakekit.runs.erasures import ReadErasure
from lakekit.storage.delta import NO_DATA_CHANGE, Storage
from lakekit.write import governance
from lakekit.write.catalog import NONE, Catalog


class Reproduction(dict[str, pa.Table]):
    """``{table: rows}`` as a run's reads give them now, and ``erased``: the reads an erasure changed
    (rows removed, by which requests). Without erasures, exactly what the run read."""

    erased: tuple[ReadErasure, ...]

    def __init__(self, tables: Mapping[str, pa.Table], erased: Sequence[ReadErasure]) -> None:
        super().__init__(tables)
        self.erased = tuple(erased)


def reproduce(storage: Storage, run_id: str, progress: Steps | None = None) -> Reproduction:
    """Each of the run's reads again, checked by fingerprint: exactly what the run read, or what the
    latest erasure of a subject it read recorded (:mod:`lakekit.runs.erasures`; the rows of files the
    erasure did not touch were checked against the run's own fingerprint before it changed them).

    A table the run read more than once appears as ``table``, ``table#2``, ``table#3``…; the
    training sets it built with ``run.features.historical`` follow as ``historical#1``, ``#2``…
    ``progress`` counts the reads built again, each named by its key.
    """
    run_id = runs.resolve(storage, run_id)
    changes = erasures.records(storage, run_id)
    whole = [c for c in changes if c["seq"] == 0 and not c["reproducible"]]
    if whole:
        raise NotReproducible(run_id, "", str(whole[-1]["reason"]))
    out: dict[str, pa.Table] = {}
    erased = []
    for item in counted(erasures.items(storage, run_id), progress, lambda item: item.key):
        mine = [c for c in changes if c["seq"] == item.seq]
        what = item.table if item.seq > 0 and item.table is not None else item.key
        if mine and not mine[-1]["reproducible"]:
            raise NotReproducible(run_id, what, f"erasure {mine[-1]['request_id']}: {mine[-1]['reason']}")
        rows, fingerprint = erasures.expected(item, mine)
        try:
            data = erasures.build(storage, item)
        except (VersionNotFound, OSError) as e:
            raise NotReproducible(run_id, what, f"{_version(item)} is no longer readable "
                                                f"({type(e).__name__})") from None
        except LakekitError as e:
            raise NotReproducible(run_id, what, str(e)) from None
        if data.num_rows != rows or table_fingerprint(data) != fingerprint:
            raise NotReproducible(run_id, what, f"the rows of version {item.version} differ from those read"
                                  if item.seq > 0 else "the rows built again differ from those of the run")
        out[item.key] = data
        if mine:
            erased.append(ReadErasure(item.key, item.table, item.seq, item.version, item.rows - data.num_rows,
                                      tuple(c["request_id"] for c in mine)))
    return Reproduction(out, erased)


def _version(item: erasures.Item) -> str:
    return f"version {item.version}" if item.seq > 0 else "an input version"


@dataclass(frozen=True)
class InputChange(Result):
    """One input table of two runs: the versions each read and the row changes between them
    (None when only one run read the table, or when ``not_compared`` says why not)."""

    table: str
    version_a: int | None
    version_b: int | None
    rows: RowDiff | None
    not_compared: str | None = None
    """Why the rows were not compared though both runs read the table (a version no longer readable)."""


@dataclass(frozen=True)
class RunComparison(Result):
    """Two runs side by side: inputs whose versions differ, params and metrics as ``{name: [a, b]}``."""

    a: str
    b: str
    inputs: tuple[InputChange, ...]
    same_inputs: tuple[str, ...]
    params: dict[str, tuple[Any, Any]]
    metrics: dict[str, tuple[Any, Any]]


def table_keys(storage: Storage, table: str, catalog: Catalog = NONE) -> tuple[str, ...]:
    """The columns identifying a table's rows: its schema's first unique key (none without one)."""
    model = governance.in_force(storage, table, catalog)
    found = unique_keys(model) if model is not None else ()
    return found[0].columns if found else ()


def compare_runs(storage: Storage, a: str, b: str, *, keys: Mapping[str, Sequence[str]] | None = None,
                 catalog: Catalog = NONE) -> RunComparison:
    """Which inputs of runs ``a`` and ``b`` differ in version, with rows added/removed/changed
    between the two versions (by ``keys[table]``, else the schema's unique key, else whole rows)."""
    ra, rb = runs.run(storage, a), runs.run(storage, b)
    changes, same = [], []
    for table in sorted(ra.inputs.keys() | rb.inputs.keys()):
        va, vb = ra.inputs.get(table), rb.inputs.get(table)
        if va == vb:
            same.append(table)
        elif va is None or vb is None:
            changes.append(InputChange(table, va, vb, None))
        else:
            changes.append(_rows_changed(storage, table, va, vb, (keys or {}).get(table), catalog))
    return RunComparison(ra.run_id, rb.run_id, tuple(changes), tuple(same), _side_by_side(ra.params, rb.params),
                         _side_by_side(ra.metrics, rb.metrics))


def _rows_changed(storage: Storage, table: str, va: int, vb: int, keys: Sequence[str] | None,
                  catalog: Catalog) -> InputChange:
    """The row changes of ``table`` from version ``va`` to ``vb``; a version whose files are gone
    (vacuumed outside lakekit, or rewritten by an erasure) is said, not raised."""
    read = {}
    for version in (va, vb):
        try:
            read[version] = storage.read(table, version)
        except (VersionNotFound, OSError) as e:
            return InputChange(table, va, vb, None, f"rows not compared: version {version} is no longer "
                                                    f"readable ({type(e).__name__})")
    by = tuple(keys or table_keys(storage, table, catalog))
    return InputChange(table, va, vb, diff_rows(read[va], read[vb], by))


def _side_by_side(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())}


@dataclass(frozen=True)
class Step(Result):
    """One table version on the way from a stale run to the change that made it stale."""

    table: str
    version: int
    operation: str
    by: str | None
    """The load, transform or run id that made the version (None for commits without lakekit provenance)."""


@dataclass(frozen=True)
class StaleRun(Result):
    """A run that read ``table`` at ``version_read`` while ``newest_version`` now exists.

    ``path`` starts at the newest version and follows, through the provenance of each
    version, the input that changed, down to where the change entered the lake.
    """

    run_id: str
    name: str
    table: str
    version_read: int
    newest_version: int
    produced_by: Step
    path: tuple[Step, ...]


class _Histories:
    """Per table, version → its commit (Delta's operation, lakekit's provenance); read once per table."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.seen: dict[str, dict[int, HistoryEntry]] = {}

    def of(self, table: str) -> dict[int, HistoryEntry]:
        if table not in self.seen:
            self.seen[table] = {e.version: e for e in history.commits(self.storage, table)} \
                if self.storage.exists(table) else {}
        return self.seen[table]

    def newest_change(self, table: str, after: int) -> int | None:
        """The newest version after ``after`` that changed data (vacuum, optimize and the like do not)."""
        changed = [v for v, e in self.of(table).items() if v > after and e.operation not in NO_DATA_CHANGE]
        return max(changed) if changed else None

    def step(self, table: str, version: int) -> Step:
        entry = self.of(table).get(version)
        if entry is None:
            return Step(table, version, "", None)
        return Step(table, version, entry.provenance.operation or entry.operation, entry.provenance.by)

    def inputs(self, table: str, version: int) -> dict[str, int]:
        entry = self.of(table).get(version)
        made = entry.provenance if entry is not None else None
        return dict(made.inputs) if isinstance(made, TransformProvenance | RunProvenance) else {}

    def path(self, table: str, old: int, new: int) -> tuple[Step, ...]:
        """From version ``new`` of ``table`` down the inputs that differ from those of ``old``."""
        steps = [self.step(table, new)]
        seen = {(table, new)}
        while True:
            before, after = self.inputs(table, old), self.inputs(table, new)
            moved = sorted(t for t, v in after.items() if before.get(t) != v)
            if not moved or (moved[0], after[moved[0]]) in seen:
                return tuple(steps)
            table, old, new = moved[0], before.get(moved[0], -1), after[moved[0]]
            seen.add((table, new))
            steps.append(self.step(table, new))


def stale_runs(storage: Storage) -> list[StaleRun]:
    """Runs that read a table version a newer data-changing version has since superseded, one
    entry per (run, table), with what made the newest version and the path to the change. A run
    re-executed since (a later run tagged ``rerun_of`` it) is superseded, not stale."""
    histories = _Histories(storage)
    recorded = runs.runs(storage)
    names = {r["run_id"]: r["name"] for r in recorded.select(["run_id", "name"]).to_pylist()}
    redone = runs.superseded(recorded)
    found = []
    for dep in runs.run_dependencies(storage):
        if dep.run_id in redone:
            continue
        for table, version in sorted(dep.inputs.items()):
            newest = histories.newest_change(table, version)
            if newest is not None:
                path = histories.path(table, version, newest)
                found.append(StaleRun(dep.run_id, names.get(dep.run_id, ""), table, version, newest, path[0], path))
    return found
