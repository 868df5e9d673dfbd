"""Runs of commands: ``lakekit run NAME -- CMD...``, and re-running stale runs in dependency order.

The command runs as a child process with ``LAKEKIT_RUN_ID`` in its environment, so the child's
``lake.start_run(...)`` attaches to the run recorded here; this process records the command
(argv and working directory), the start, and the end from the child's exit status.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakekit import runs
from lakekit.core import dag
from lakekit.core.progress import Steps, counted
from lakekit.core.results import Result
from lakekit.errors import Cycle, LakekitError, UsageError
from lakekit.runs import replay
from lakekit.runs.record import RUN_ID_ENV, RunStatus
from lakekit.storage.delta import Storage
from lakekit.write.catalog import NONE, Catalog


@dataclass(frozen=True)
class CommandRun(Result):
    """One command run as a lakekit run (``skipped`` says why a rerun did not execute it)."""

    run_id: str | None
    name: str
    status: RunStatus | None
    exit_code: int | None
    rerun_of: str | None = None
    skipped: str | None = None


def execute(storage: Storage, name: str, argv: Sequence[str], *, cwd: str | None = None,
            params: Mapping[str, Any] | None = None, tags: Mapping[str, Any] | None = None,
            catalog: Catalog = NONE) -> CommandRun:
    """Run ``argv`` as the run ``name``: recorded as running, then finished (exit status 0) or
    failed (``error`` = ``"exit status N"``)."""
    if not argv:
        raise UsageError("give the command to run after '--'")
    where = cwd or str(Path.cwd())
    command = {"argv": list(argv), "cwd": where}
    with runs.start_run(storage, name, params, tags, command=command, catalog=catalog) as run:
        try:
            code = subprocess.run(list(argv), cwd=where, env={**os.environ, RUN_ID_ENV: run.run_id},
                                  check=False).returncode
        except OSError as e:
            run.close("failed", type(e).__name__)
            raise LakekitError(f"cannot start '{argv[0]}': {type(e).__name__}") from None
        run.close("finished" if code == 0 else "failed", None if code == 0 else f"exit status {code}")
    return CommandRun(run.run_id, name, run.status, code, (tags or {}).get("rerun_of"))


def rerun(storage: Storage, run_ids: Sequence[str] | None = None, *, catalog: Catalog = NONE,
          progress: Steps | None = None) -> list[CommandRun]:
    """Re-execute the recorded commands of ``run_ids`` (default: the stale runs) and of every run
    that read a table they wrote, upstream first; runs without a command are reported, not run.
    A run re-executed before (superseded) is not executed again: its rerun stands for it.
    ``progress`` counts the runs, each named by its id."""
    redone = runs.superseded(runs.runs(storage))
    deps = {d.run_id: d for d in runs.run_dependencies(storage) if d.run_id not in redone}
    chosen = ({runs.resolve(storage, i) for i in run_ids} if run_ids is not None
              else {s.run_id for s in replay.stale_runs(storage)})
    readers = {i: {j for j, d in deps.items() if j != i and set(deps[i].outputs) & set(d.inputs)} for i in deps}
    chosen |= dag.reach(chosen, readers)
    done = []
    for run_id in counted(_upstream_first(chosen, readers), progress):
        info = runs.run(storage, run_id)
        if not info.command:
            done.append(CommandRun(None, info.name, None, None, run_id, "no command recorded"))
            continue
        done.append(execute(storage, info.name, info.command["argv"], cwd=info.command.get("cwd"),
                            tags={"rerun_of": run_id}, catalog=catalog))
    return done


def _upstream_first(chosen: set[str], readers: Mapping[str, set[str]]) -> list[str]:
    """``chosen`` ordered so a run comes after every chosen run whose output it read (then by id)."""
    try:
        return dag.ordered({i: {j for j in chosen if i in readers.get(j, set())} for i in chosen})
    except Cycle as c:
        raise LakekitError(f"runs read each other's outputs in a cycle: {c}") from None
