"""Reruns: recompute what depends on a table after it changed, and show what changed.

``rerun`` recomputes every transform downstream of a table (:mod:`lakekit.impact.graph`'s
latest transforms), in dependency order, on the current input versions, and reports the row
changes per table; with runs, it also re-executes the recorded commands of the runs that became
stale, and what depends on the tables they write.
"""

from __future__ import annotations

from collections.abc import Sequence

from lakekit import runs, transform
from lakekit.core import dag
from lakekit.core.diff import diff_rows
from lakekit.core.model import unique_keys
from lakekit.core.progress import Steps, counted
from lakekit.core.results import RerunStep
from lakekit.errors import Cycle, UsageError
from lakekit.impact.graph import Recorded, latest_transforms
from lakekit.runs import commands as runexec
from lakekit.runs import replay
from lakekit.storage.delta import Storage
from lakekit.write import governance
from lakekit.write.catalog import Catalog


def order(storage: Storage, downstream_of: str) -> list[Recorded]:
    """The transforms that depend on ``downstream_of`` (directly or not), inputs before outputs."""
    latest = latest_transforms(storage)
    needs = {t: set(r.inputs) for t, r in latest.items()}
    readers: dict[str, set[str]] = {}
    for target, inputs in needs.items():
        for table in inputs:
            readers.setdefault(table, set()).add(target)
    affected = dag.reach([downstream_of], readers)
    try:
        return [latest[t] for t in dag.ordered({t: needs[t] & affected for t in affected})]
    except Cycle as c:
        raise UsageError(f"transforms depend on each other in a cycle: {c}") from None


def keys_of(storage: Storage, table: str, recorded: Sequence[str], catalog: Catalog) -> tuple[str, ...]:
    """The columns that identify a row of ``table``: the transform's keys, else its schema's unique column."""
    if recorded:
        return tuple(recorded)
    model = governance.in_force(storage, table, catalog)
    single = [k.columns for k in unique_keys(model)] if model else []
    return tuple(single[0]) if single else ()


def rerun(storage: Storage, downstream_of: str, *, dry_run: bool, catalog: Catalog,
          include_runs: bool = False, progress: Steps | None = None) -> list[RerunStep]:
    """Recompute every transform downstream of ``downstream_of`` on the current input versions;
    with ``include_runs``, then re-execute the recorded commands of the runs that became stale,
    and recompute what depends on the tables those runs write. ``progress`` counts the transforms
    downstream (each named by its table), then each round of runs re-executed."""
    steps = _rerun_transforms(storage, downstream_of, dry_run=dry_run, catalog=catalog, progress=progress)
    if not include_runs:
        return steps
    if dry_run:
        return steps + [RerunStep(f"run {s.name}", s.version_read, None, f"read {s.table} v{s.version_read}, "
                                  f"now v{s.newest_version}", None, run_id=s.run_id)
                        for s in replay.stale_runs(storage)]
    tried: set[str] = set()
    while waiting := sorted({s.run_id for s in replay.stale_runs(storage)} - tried):
        tried.update(waiting)
        for done in runexec.rerun(storage, waiting, catalog=catalog, progress=progress):
            steps += _rerun_run(storage, done, catalog)
    return steps


def _rerun_run(storage: Storage, done: runexec.CommandRun, catalog: Catalog) -> list[RerunStep]:
    """The tables a re-executed run wrote (with row changes), then the transforms downstream of them."""
    if done.run_id is None or done.rerun_of is None:
        return [RerunStep(f"run {done.name}", 0, None, done.skipped or "not re-executed", None, run_id=done.rerun_of)]
    steps = []
    before = runs.run(storage, done.rerun_of).outputs
    for table, version in runs.run(storage, done.run_id).outputs.items():
        old = before.get(table)
        change = None if old is None else diff_rows(storage.read(table, old), storage.read(table, version),
                                                    keys_of(storage, table, (), catalog))
        steps.append(RerunStep(table, old if old is not None else -1, version,
                               f"run {done.name} re-executed ({done.status})", change, run_id=done.run_id))
        steps += _rerun_transforms(storage, table, dry_run=False, catalog=catalog)
    if not before:
        steps.append(RerunStep(f"run {done.name}", 0, None, f"re-executed ({done.status})", None, run_id=done.run_id))
    return steps


def _rerun_transforms(storage: Storage, downstream_of: str, *, dry_run: bool, catalog: Catalog,
                      progress: Steps | None = None) -> list[RerunStep]:
    storage.open(downstream_of)
    steps = []
    for r in counted(order(storage, downstream_of), progress, lambda r: r.table):
        current = {t: storage.open(t).version() for t in r.inputs}
        moved = {t: (v, current[t]) for t, v in r.inputs.items() if current[t] != v}
        reason = ", ".join(f"{t} v{a} → v{b}" for t, (a, b) in sorted(moved.items())) or "inputs unchanged"
        if dry_run:
            steps.append(RerunStep(r.table, r.version, None, reason, None))
            continue
        options = transform.TransformOptions(dialect=r.dialect, mode="overwrite" if r.incremental else r.mode,
                                             keys=r.keys, incremental=r.incremental, catalog=catalog,
                                             source=r.source, job=f"rerun downstream of {downstream_of}")
        result = transform.transform(storage, r.table, r.sql, options)
        change = None
        if not result.skipped:
            keys = keys_of(storage, r.table, r.keys, catalog)
            change = diff_rows(storage.read(r.table, r.version), storage.read(r.table, result.version), keys)
        steps.append(RerunStep(r.table, r.version, result.version, reason, change))
    return steps
