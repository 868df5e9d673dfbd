"""Model runs: what they read and wrote, reproduction, command runs, error slices."""

from lakekit.runs.record import (
    OUTPUTS,
    RUN_ID_ENV,
    Run,
    index_outputs,
    output_row,
    predictions_table,
    replace_artifacts,
    start_run,
)
from lakekit.runs.recorded import (
    Artifact,
    Read,
    RunDependency,
    RunInfo,
    predictions,
    reads,
    resolve,
    run,
    run_dependencies,
    runs,
    superseded,
)

__all__ = [
    "OUTPUTS",
    "RUN_ID_ENV",
    "Artifact",
    "Read",
    "Run",
    "RunDependency",
    "RunInfo",
    "index_outputs",
    "output_row",
    "predictions",
    "predictions_table",
    "reads",
    "replace_artifacts",
    "resolve",
    "run",
    "run_dependencies",
    "runs",
    "start_run",
    "superseded",
]
