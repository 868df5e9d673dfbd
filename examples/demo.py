"""The running example, end to end, on a local lake folder (``make demo``).

Story: known spam accounts and a vendor's IP blacklist train an anti-spam model; the
de-spammed users go through an ID-merge model; the clean users train a "looking for a job"
model on a point-in-time training set (each label with the activity of the week before it).
Months later the blacklist turns out to list campus IPs shared by many students.
lakekit shows what that touched, recomputes it and retrains.

    python -m examples.demo [--lake demo-lake] [--data demo-data] [--users 5000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

import lakekit as lk
from examples.generate import generate
from examples.models import ACTIVITY, best_threshold

console = Console(width=None if sys.stdout.isatty() else 120)

RAW = (
    ("raw.users", ["users_part1", "users_part2"], {"vendor": "signup-service", "licence": "internal"}),
    ("raw.spam_accounts", ["spam_accounts"], {"vendor": "trust-and-safety", "licence": "internal"}),
    ("raw.spam_ips", ["spam_ips"], {"vendor": "acme-ip-lists", "licence": "commercial, bought 2026-03"}),
    ("raw.job_labels", ["job_labels"], {"vendor": "crowd-labelling-co", "licence": "work for hire"}),
    ("raw.activity", ["activity"], {"vendor": "event-pipeline", "licence": "internal"}),
)


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def ingest_raw(lake: lk.Lake, files: dict[str, Path]) -> None:
    step("1. Ingest the raw files (exactly once, with provenance)")
    table = Table("table", "version", "rows", "files", "load id", "vendor")
    for name, keys, meta in RAW:
        r = lake.ingest(name, [str(files[k]) for k in keys], metadata=meta, job="demo raw load")
        table.add_row(name, str(r.version), f"{r.rows:,}", str(len(r.files)), r.load_id or "", meta["vendor"])
    console.print(table)
    again = lake.ingest("raw.users", [str(files["users_part1"]), str(files["users_part2"])])
    console.print(f"re-ingest of the same user files: skipped={again.skipped}, version stays {again.version}")
    r = lake.ingest("raw.users", str(files["users_part3"]), metadata={"vendor": "signup-service"})
    console.print(f"users-part3.csv.gz adds a nullable column: version {r.version}, {r.rows} rows, columns now "
                  f"{', '.join(lake.read('raw.users', columns=None).column_names)}")
    before = lake.read("raw.users", version=r.version - 1).num_rows
    console.print(f"time travel: raw.users had {before:,} rows at version {r.version - 1}, "
                  f"{lake.read('raw.users').num_rows:,} now")


def quarantine_bad_rows(lake: lk.Lake, files: dict[str, Path]) -> None:
    step("2. Every version validated before it commits (write-audit-publish)")
    r = lake.ingest("raw.users", str(files["users_bad"]), metadata={"vendor": "partner-import"})
    report = r.validation
    assert report is not None
    console.print(f"users-bad.csv: {r.rows} valid rows committed as version {r.version}, "
                  f"{r.quarantined} rows quarantined (schema {report.schema_name})")
    table = Table("user_id", "failed checks", "source")
    for row in lake.quarantine("raw.users").to_pylist():
        checks = ", ".join(f"{e['column']}: {e['check']}" for e in json.loads(row["_errors"]))
        table.add_row(str(row["user_id"]), checks, Path(row["_source"]).name)
    console.print(table)
    history = Table("version", "operation", "rows +", "validation", "vendor")
    for e in lake.history("raw.users"):
        vendor = e.provenance.metadata.get("vendor", "") if isinstance(e.provenance, lk.LoadProvenance) else ""
        history.add_row(str(e.version), e.operation, str(e.rows_added), e.validation, str(vendor))
    console.print(history)


PROJECT = lk.Project.load(Path(__file__).parent / "lakekit.toml")
"""examples/lakekit.toml: the example's schemas (the repository's schemas/) and transforms."""


def model(lake: lk.Lake, name: str) -> str:
    """Run one of examples/models.py as a lakekit run with its command recorded (``lakekit run``)."""
    done = lake.run_command(name, [sys.executable, "-m", "examples.models", name, "--lake", lake.root])
    info = lake.run(done.run_id or "")
    reads = ", ".join(f"{t}@{v}" for t, v in sorted(info.inputs.items()))
    writes = ", ".join(f"{t}@{v}" for t, v in sorted(info.outputs.items())) or "-"
    console.print(f"run [bold]{name}[/bold] {info.status}: read {reads}; wrote {writes}; metrics {info.metrics}")
    return info.run_id


def transforms(lake: lk.Lake, select: str) -> None:
    assert PROJECT.transforms is not None
    for f in lake.run_transforms(PROJECT.transforms, select=select).files:
        pins = ", ".join(f"{t}@{v}" for t, v in sorted(f.inputs.items()))
        state = "skipped (unchanged)" if f.skipped else f"version {f.version}, {f.rows:,} rows"
        console.print(f"transform [bold]{f.target}[/bold] ({Path(f.file).name}): {state}; inputs {pins}")


def cascade(lake: lk.Lake) -> dict[str, str]:
    step("3. The cascade: SQL transforms and models that make data, each version pinned")
    transforms(lake, "features.activity features.activity_7d features.spam_training")
    lake.features.register(ACTIVITY)
    ids = {"anti-spam": model(lake, "anti-spam"), "id-merge": model(lake, "id-merge")}
    transforms(lake, "features.persons labels.job_seeker")
    ids["job-seeker"] = model(lake, "job-seeker")
    slices = lake.error_slices(ids["job-seeker"], by=["region"], label="is_seeker", prediction="pred", min_rows=20)
    table = Table("region", "rows", "errors", "error rate", title="job-seeker errors by region (worst first)")
    for r in slices.to_pylist():
        table.add_row(r["region"], str(r["rows"]), str(r["errors"]), f"{r['error_rate']:.0%}")
    console.print(table)
    return ids


LATEST_VALUES = """
SELECT l.is_seeker, f.applied_jobs_7d, f.last > l.labelled_at AS leaked,
       date_diff('day', l.labelled_at, f.last) AS days_after
FROM labels.job_seeker l
LEFT JOIN (SELECT user_id, arg_max(applied_jobs_7d, event_at) AS applied_jobs_7d, max(event_at) AS last
           FROM features.activity_7d GROUP BY user_id) f USING (user_id)
"""


def point_in_time(lake: lk.Lake, run_id: str) -> None:
    step("4. The job-seeker training set, point in time: no activity from after a label")
    view = lake.features.info("activity")
    console.print(f"feature view activity: {view.table}@{view.version}, entity {', '.join(view.entity)}, "
                  f"event time {view.timestamp}, ttl {view.ttl}; features {', '.join(view.features)}")
    built = lake.reproduce(run_id)["historical#1"]  # the run's own training set, built again and verified
    known = built.column("applied_jobs_7d").null_count
    console.print(f"run {run_id}: {built.num_rows:,} labels, {built.num_rows - known:,} with activity in the week "
                  "before their label; rebuilt by lake.reproduce, fingerprint verified")
    plain = pl.from_arrow(lake.sql(LATEST_VALUES, dialect="duckdb"))
    assert isinstance(plain, pl.DataFrame)
    leaked = plain.filter(pl.col("leaked"))
    frame = pl.from_arrow(built)
    assert isinstance(frame, pl.DataFrame)
    _, leaky = best_threshold(plain["applied_jobs_7d"].fill_null(0), plain["is_seeker"])
    _, honest = best_threshold(frame["applied_jobs_7d"].fill_null(0), frame["is_seeker"])
    console.print(f"a plain latest-value join would have leaked the future into {leaked.height:,} of "
                  f"{plain.height:,} labels (values from up to {leaked['days_after'].max()} days after the label): "
                  f"offline accuracy {leaky:.1%} with the leak, {honest:.1%} point in time")
    committed = lake.features.historical("labels.job_seeker", "activity:applied_jobs_7d", "labelled_at",
                                         known_at="commit")
    console.print(f"as the lake knew them (known_at='commit'): "
                  f"{committed.num_rows - committed.column('applied_jobs_7d').null_count} labels with activity — "
                  "this lake learned of September 2024's activity only today, when the demo loaded it")
    feeds = [c for c in ("labels.job_seeker.is_seeker", "features.activity_7d.applied_jobs_7d")
             if run_id in lake.lineage.downstream(c).runs]
    console.print(f"lineage: {' and '.join(feeds)} flow into run {run_id}")


def blacklist_fix(lake: lk.Lake, files: dict[str, Path], ids: dict[str, str]) -> None:
    step("5. Months later: the IP blacklist listed campus IPs. What did that touch?")
    graph = lake.lineage.downstream("raw.spam_ips.ip")
    names = {r["run_id"]: r["name"] for r in lake.runs().to_pylist()}
    console.print(f"downstream of raw.spam_ips.ip: tables {', '.join(graph.tables)}; "
                  f"runs {', '.join(names.get(r, r) for r in graph.runs)}")
    tree = Tree("[bold]column edges on the way")
    for e in graph.edges:
        tree.add(f"{e.edge.source_table}.{e.edge.source_column} → {e.edge.target_table}.{e.edge.target_column}  "
                 f"[dim]{e.edge.kind}/{e.edge.subtype}[/dim]")
    console.print(tree)
    trained_on = lake.reproduce(ids["job-seeker"])
    r = lake.ingest("raw.spam_ips", str(files["spam_ips_fixed"]), mode="overwrite",
                    metadata={"vendor": "acme-ip-lists", "note": "corrected delivery, campus IPs removed"})
    console.print(f"corrected blacklist loaded: raw.spam_ips version {r.version}, {r.rows} IPs")
    for s in lake.stale_runs():
        console.print(f"stale: run {s.name} read {s.table}@{s.version_read}, now @{s.newest_version} "
                      f"({s.produced_by.operation} {s.produced_by.by})")
    changes = Table("table / run", "was", "now", "why", "added", "removed", "changed",
                    title="rerun downstream of raw.spam_ips, models included")
    for s in lake.rerun("raw.spam_ips", include_runs=True):
        rows = s.rows
        changes.add_row(s.table, str(s.previous_version), str(s.version or ""), s.reason,
                        *(str(n) for n in ((rows.added, rows.removed, rows.changed) if rows else ("", "", ""))))
    console.print(changes)
    step("6. The old training set, reproduced exactly; the two job-seeker runs compared")
    again = lake.reproduce(ids["job-seeker"])
    same = all(again[t].equals(trained_on[t]) for t in trained_on)
    console.print(f"reproduce({ids['job-seeker']}): {', '.join(f'{t} {v.num_rows:,} rows' for t, v in again.items())}"
                  f" — identical to what the run read: {same}")
    latest = lake.runs("job-seeker", limit=1).column("run_id")[0].as_py()  # newest first
    diff = lake.compare_runs(ids["job-seeker"], latest)
    console.print_json(data=diff.asdict())


def forget(lake: lk.Lake, data: Path, ids: dict[str, str]) -> None:
    step("7. A user asks to be forgotten: find, export, erase with proof — history kept, minus them")
    trained = lake.reproduce(ids["job-seeker"])["features.persons"]  # someone the first model was trained on
    person = min(trained.column("person_id").to_pylist())
    email = lake.sql(f"SELECT email FROM raw.users WHERE user_id = {person}").column("email")[0].as_py()
    report = lake.gdpr.find(email=email)
    console.print(f"subject {report.subject} (a salted hash; the e-mail is never printed): "
                  f"identifiers found {report.identifiers}")
    hits = Table("table", "place", "rows now", "versions holding", "files", title="where the subject is")
    for h in report.tables:
        hits.add_row(h.table, h.place, str(h.rows), ",".join(map(str, h.versions)), str(len(h.files)))
    console.print(hits)
    console.print(f"runs that used the data: {len(report.runs)}; derived tables without identifiers: "
                  f"{', '.join(report.downstream) or 'none'}")
    export = data / "subject-export.json"
    lake.gdpr.export(email=email, to=export)
    console.print(f"Art. 15 export (every version holding them) written to {export}")
    last = lake.resolve_version("raw.users")
    before = {v: lake.read("raw.users", version=v).num_rows for v in range(last + 1)}
    erased = lake.gdpr.erase(email=email, reason="request GDPR-2026-0042")
    for t in erased.tables:
        console.print(f"erased {t.rows_removed} row(s) from {t.table}: {len(t.versions_rewritten)} version(s) "
                      f"rewritten ({t.commits_rewritten} commit file(s), {t.checkpoints_rewritten} checkpoint(s)), "
                      f"recorded as version {t.version}")
    versions = Table("version", "rows before", "rows now", title="raw.users: every old version still readable")
    for v, n in before.items():
        versions.add_row(str(v), f"{n:,}", f"{lake.read('raw.users', version=v).num_rows:,}")
    console.print(versions)
    console.print(f"verified: {erased.verified} — every file under the lake decoded and searched: "
                  f"{lake.gdpr.verify(email=email).verified}")
    again = lake.reproduce(ids["job-seeker"])
    minus = "; ".join(f"{e.input} {e.rows_removed} row(s) fewer (request {', '.join(e.requests)})"
                      for e in again.erased)
    console.print(f"the first job-seeker run reproduces minus the subject: "
                  f"{', '.join(f'{t} {v.num_rows:,} rows' for t, v in again.items())} — {minus or 'unchanged'}")
    stale = sorted({s.name for s in lake.stale_runs() if s.produced_by.operation == "erase"})
    console.print(f"runs trained on the subject's data, stale since the erasure: {', '.join(stale)}")
    for r in lake.rerun_runs():
        console.print(f"retrained {r.name}: run {r.run_id} {r.status or r.skipped}")
    for r in lake.gdpr.audit(email=email).to_pylist():
        console.print(f"audit {r['at']:%H:%M:%S} {r['action']:7} {r['status']:9} {r['subject']} {r['reason'] or ''}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", default="demo-lake")
    parser.add_argument("--data", default="demo-data")
    parser.add_argument("--users", type=int, default=5000)
    args = parser.parse_args(argv)
    for folder in (args.lake, args.data):
        shutil.rmtree(folder, ignore_errors=True)
    files = generate(Path(args.data), users=args.users)
    console.print(f"generated {len(files)} raw files into {args.data}/ (deterministic, seed 7)")
    lake = PROJECT.open(args.lake, create=True)
    ingest_raw(lake, files)
    quarantine_bad_rows(lake, files)
    ids = cascade(lake)
    point_in_time(lake, ids["job-seeker"])
    blacklist_fix(lake, files, ids)
    forget(lake, Path(args.data), ids)
    console.print(f"\nlake at {args.lake}/: tables {', '.join(lake.tables())}")


if __name__ == "__main__":
    main()
