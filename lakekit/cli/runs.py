"""``lakekit run | runs ... | vacuum``: model runs linked to exact table versions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, cast, get_args

import typer

from lakekit.cli._common import (
    CreateOpt,
    as_json,
    counter,
    first_rows,
    key_value,
    open_lake,
    out,
    print_error,
    print_json,
    print_records,
    progress,
)
from lakekit.core.results import RunStatus
from lakekit.runs import search

RunArg = Annotated[str, typer.Argument(help="Run id, or a prefix of it (or of its part after '-') only it "
                                              "begins with (see `lakekit runs list`).")]

app = typer.Typer(help="Model runs: list, show, reproduce, compare, error slices, stale runs, rerun.",
                  no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add ``run``, the ``runs`` group and ``vacuum`` to the root app."""
    root.command("run")(run)
    root.add_typer(app, name="runs")
    root.command("vacuum")(vacuum)


def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Run name, e.g. job-seeker.")],
    command: Annotated[list[str], typer.Argument(help="The command, after '--'.")],
    param: Annotated[list[str] | None, typer.Option("--param", help="KEY=VALUE recorded as a param.")] = None,
    create: CreateOpt = False,
) -> None:
    """Run COMMAND (after '--') as the run NAME: its `lake.start_run(...)` attaches to the run; the
    command is recorded."""
    params = dict(key_value(p, "--param") for p in param or [])
    result = open_lake(ctx, create=create).run_command(name, command, params=params)
    if as_json(ctx):
        print_json(result.asdict())
    else:
        out.print(f"run {result.run_id} ({name}): {result.status}, exit status {result.exit_code}")
    if result.exit_code:
        raise typer.Exit(1)


@app.command("list")
def list_runs(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Only runs of this name.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only runs in this state: running, finished "
                                               "or failed.")] = None,
    where: Annotated[str | None, typer.Option("--where", help="A SQL condition on the columns, e.g. "
                                              "\"metrics.auc > 0.9 AND params.model = 'gbm'\".")] = None,
    sort: Annotated[list[str] | None, typer.Option("--sort", help="Sort by this column, '-' in front for "
                                                   "descending, e.g. -metrics.auc (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=0, help="Show at most this many runs.")] = None,
) -> None:
    """Recorded runs, newest first, with a column per param and metric (params.lr, metrics.auc)."""
    table = open_lake(ctx).runs(name, status=_status(status), where=where, sort=sort or (), limit=limit)
    if as_json(ctx):
        print_json(search.records(table))
        return
    shown = [c for c in table.column_names if c.startswith(("params.", "metrics."))]
    print_records([{"run": r["run_id"], "name": r["name"], "status": r["status"], "started": _time(r["started_at"]),
                    "ended": _time(r["ended_at"]), **{c: _number(r[c]) for c in shown}, "error": r["error"]}
                   for r in table.to_pylist()], title="runs", keep=("run", "started"))


def _status(status: str | None) -> RunStatus | None:
    if status is None or status in get_args(RunStatus):
        return cast(RunStatus | None, status)
    raise typer.BadParameter(f"expected one of {', '.join(get_args(RunStatus))}", param_hint="--status")


def _time(at: datetime | None) -> str | None:
    """An instant in UTC as ISO 8601 to the second (``2026-12-07T12:37:48Z``)."""
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Any) -> Any:
    """A float with at most 6 significant digits; anything else as it is."""
    return f"{value:.6g}" if isinstance(value, float) else value


@app.command("show")
def show(ctx: typer.Context, run_id: RunArg) -> None:
    """One run: status, inputs with versions, params, metrics, artifacts, outputs."""
    info = open_lake(ctx).run(run_id).asdict()
    if as_json(ctx):
        print_json(info)
        return
    out.print(f"run {info['run_id']} ({info['name']}): {info['status']}"
              + (f", {info['error']}" if info["error"] else "")
              + f"; started {info['started_at']}, ended {info['ended_at'] or '-'}")
    for key in ("params", "metrics", "outputs", "command"):
        if info[key]:
            out.print(f"{key}: {json.dumps(info[key], default=str)}", markup=False, highlight=False)
    print_records([{"table": r["table"], "version": r["version"], "columns": r["columns"], "filter": r["filter"],
                    "rows": r["rows"], "fingerprint": r["fingerprint"][:19] + "…"} for r in info["reads"]],
                  title="reads")
    if info["artifacts"]:
        print_records(info["artifacts"], title="artifacts")


@app.command("reproduce")
def reproduce(ctx: typer.Context, run_id: RunArg) -> None:
    """Read the run's inputs again at their versions and check them against the recorded fingerprints."""
    label = f"reproduce run {run_id}"
    with progress(ctx, label) as (bar, task):
        tables = open_lake(ctx).reproduce(run_id, progress=counter(bar, task, label))
    erased = {e.input: e for e in tables.erased}
    rows = []
    for k, t in tables.items():
        e = erased.get(k)
        rows.append({"input": k, "rows": t.num_rows, "columns": t.num_columns, "verified": True,
                     "rows_erased": e.rows_removed if e else 0, "erased_by": list(e.requests) if e else []})
    if as_json(ctx):
        print_json(rows)
    else:
        print_records(rows, title=f"inputs of run {run_id}, reproduced")


@app.command("compare")
def compare(
    ctx: typer.Context,
    a: RunArg,
    b: RunArg,
    key: Annotated[list[str] | None, typer.Option("--key", help="TABLE=COL[,COL] to match rows on.")] = None,
) -> None:
    """Inputs whose versions differ (with row changes), params and metrics of runs A and B."""
    keys = {t: c.split(",") for t, c in (key_value(k, "--key") for k in key or [])}
    result = open_lake(ctx).compare_runs(a, b, keys=keys or None).asdict()
    if as_json(ctx):
        print_json(result)
        return
    print_records([{"table": c["table"], "version a": c["version_a"], "version b": c["version_b"],
                    **_diff(c["rows"]), "not compared": c["not_compared"]} for c in result["inputs"]],
                  title=f"inputs that differ, run {result['a']} (a) and run {result['b']} (b)")
    if result["same_inputs"]:
        out.print(f"same versions: {', '.join(result['same_inputs'])}")
    for kind in ("params", "metrics"):
        print_records([{kind[:-1]: k, "a": v[0], "b": v[1]} for k, v in result[kind].items()], title=kind)


def _diff(rows: dict[str, Any] | None) -> dict[str, Any]:
    if rows is None:
        return {"added": None, "removed": None, "changed": None, "by": None}
    return {"added": rows["added"], "removed": rows["removed"],
            "changed": rows["changed"] if rows["keys"] else None, "by": ",".join(rows["keys"]) or "whole rows"}


@app.command("slices")
def error_slices(
    ctx: typer.Context,
    run_id: RunArg,
    by: Annotated[list[str], typer.Option("--by", help="Slice column (repeatable).")],
    label: Annotated[str, typer.Option("--label", help="Column with the true value.")],
    prediction: Annotated[str, typer.Option("--prediction", help="Column with the predicted value.")],
    min_rows: Annotated[int, typer.Option("--min-rows", help="Leave out smaller slices.")] = 1,
    rank: Annotated[str, typer.Option("--rank", help="error_rate | errors")] = "error_rate",
    limit: Annotated[int, typer.Option("--limit", min=0, help="Slices to show.")] = 20,
) -> None:
    """Where the run's model errs most: slices of --by columns ranked by error rate (or count)."""
    if rank not in ("error_rate", "errors"):
        raise typer.BadParameter("expected error_rate or errors", param_hint="--rank")
    lake = open_lake(ctx)
    info = lake.run(run_id)
    if not as_json(ctx):  # shown even when the slices cannot be computed (an input version gone)
        out.print(f"run {info.run_id} ({info.name}): params {json.dumps(info.params, default=str)}, "
                  f"metrics {json.dumps(info.metrics, default=str)}", markup=False, highlight=False)
    table = lake.error_slices(info.run_id, by=by, label=label, prediction=prediction, min_rows=min_rows,
                              rank="errors" if rank == "errors" else "error_rate")
    records = first_rows(table, limit)
    if as_json(ctx):
        print_json(records)
    else:
        print_records([{**r, "error_rate": f"{r['error_rate']:.1%}"} for r in records],
                      title=f"error slices: {table.num_rows} slice(s)")


@app.command("stale")
def stale(ctx: typer.Context) -> None:
    """Runs whose inputs have newer versions, with what made them."""
    found = [s.asdict() for s in open_lake(ctx).stale_runs()]
    if as_json(ctx):
        print_json(found)
        return
    print_records([{"run": s["run_id"], "name": s["name"], "table": s["table"], "read": s["version_read"],
                    "newest": s["newest_version"],
                    "path": " ← ".join(f"{p['table']}@{p['version']} ({p['operation']})" for p in s["path"])}
                   for s in found], title="stale runs", keep=("run",))


@app.command("rerun")
def rerun(
    ctx: typer.Context,
    run_ids: Annotated[list[str] | None, typer.Argument(help="Runs to re-execute (default: the stale ones).")] = None,
) -> None:
    """Re-execute the recorded commands of stale runs and of the runs reading their outputs, upstream first."""
    with progress(ctx, "rerun runs") as (bar, task):
        done = [r.asdict() for r in open_lake(ctx).rerun_runs(run_ids or None,
                                                              progress=counter(bar, task, "rerun runs"))]
    if as_json(ctx):
        print_json(done)
    else:
        print_records(done, title="reruns")
    if any(r["exit_code"] for r in done):
        print_error(as_json(ctx), "RerunFailed", "some reruns failed")
        raise typer.Exit(1)


def vacuum(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Argument(help="Table (default: every data table).")] = None,
    retention_hours: Annotated[int, typer.Option("--retention-hours", help="Keep files newer than this.")] = 168,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the files only.")] = False,
) -> None:
    """Remove old unreferenced files, keeping every version a run read or wrote."""
    label = f"vacuum {table or 'every table'}"
    with progress(ctx, label) as (bar, task):
        report = open_lake(ctx).vacuum(table, retention_hours=retention_hours, dry_run=dry_run,
                                       progress=counter(bar, task, label))
    if as_json(ctx):
        print_json(report.asdict())
        return
    verb = "would remove" if dry_run else "removed"
    print_records([{"table": t.table, verb: len(t.removed),
                    "kept versions (runs)": "; ".join(f"{v}: {', '.join(ids)}" for v, ids in t.kept_for.items())}
                   for t in report.tables], title=f"vacuum, retention {retention_hours} h")
