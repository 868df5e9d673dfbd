"""``lakekit gdpr find | export | erase | verify | audit``: requests about one data subject.

The subject is named by ``KIND=VALUE`` arguments (``email=alice@example.com``, ``user_id=42``),
the kinds the schemas tag. Output names the subject by its salted hash, never by a value;
only ``export`` writes the subject's data, to the file given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lakekit.cli._common import as_json, counter, open_lake, out, print_json, print_records, progress
from lakekit.index.metadata import decoded

app = typer.Typer(help="GDPR: find, export, erase a data subject; verify an erasure; the audit trail.",
                  no_args_is_help=True)
SubjectArg = Annotated[list[str], typer.Argument(help="KIND=VALUE identifiers, e.g. email=alice@example.com.",
                                                 show_default=False)]


def _subject(ids: list[str]) -> dict[str, Any]:
    """``KIND=VALUE`` arguments as identifiers; a malformed one is a usage error that does not
    repeat it (it may be an e-mail address typed without its kind)."""
    found: dict[str, list[str]] = {}
    for text in ids:
        kind, sep, value = text.partition("=")
        if not sep or not kind or not value:
            raise typer.BadParameter("each identifier is KIND=VALUE (e.g. email=...); one argument is not",
                                     param_hint="KIND=VALUE")
        found.setdefault(kind, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in found.items()}


@app.command()
def find(ctx: typer.Context, ids: SubjectArg) -> None:
    """Where the subject's data is: tables, versions, files, quarantine, predictions, runs."""
    with progress(ctx, "find the subject") as (bar, task):
        report = open_lake(ctx).gdpr.find(progress=counter(bar, task, "find the subject"), **_subject(ids))
    if as_json(ctx):
        print_json(report.asdict())
        return
    out.print(f"subject {report.subject}: identifiers {report.identifiers}")
    print_records([{"table": h.table, "place": h.place, "rows": h.rows, "mentions": h.mentions,
                    "versions": list(h.versions), "files": len(h.files), "orphans": len(h.orphans)}
                   for h in report.tables])
    if report.artifacts:
        print_records([{"run": a.run_id, "artifact": a.path, "rows": a.rows, "mentions": a.mentions,
                        "named after them": a.renamed} for a in report.artifacts])
    out.print(f"runs that used the data: {', '.join(report.runs) or 'none'}")
    out.print(f"derived tables without identifiers: {', '.join(report.downstream) or 'none'}")


@app.command()
def export(
    ctx: typer.Context,
    ids: SubjectArg,
    to: Annotated[Path, typer.Option("--to", help="File to write the export to (JSON).")],
) -> None:
    """Write the subject's data, its sources and the runs that used it to a JSON file (Art. 15)."""
    with progress(ctx, "export the subject's data"):
        data = open_lake(ctx).gdpr.export(to=to, **_subject(ids))
    rows = sum(len(rows) for t in data["tables"].values() for rows in t["versions"].values())
    if as_json(ctx):  # what was written, never the data nor the file's name (it may spell an identifier)
        print_json({"subject": data["subject"], "exported_at": data["exported_at"], "rows": rows,
                    "tables": sorted(data["tables"]), "artifacts": len(data["artifacts"]),
                    "runs": [r["run_id"] for r in data["runs"]]})
        return
    out.print(f"subject {data['subject']}: {rows} row(s) over {len(data['tables'])} table(s) and their versions, "
              f"{len(data['artifacts'])} artifact(s), written to the file given")


@app.command()
def erase(
    ctx: typer.Context,
    ids: SubjectArg,
    reason: Annotated[str, typer.Option("--reason", help="The request's reference (no personal data).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase the subject from every table and every old version, then verify (Art. 17)."""
    if not yes:
        typer.confirm("Erase this subject from every table and old version? This cannot be undone", abort=True)
    with progress(ctx, "erase the subject") as (bar, task):
        report = open_lake(ctx).gdpr.erase(reason=reason, progress=counter(bar, task, "erase the subject"),
                                           **_subject(ids))
    if as_json(ctx):
        print_json(report.asdict())
    else:
        print_records([{"table": t.table, "rows removed": t.rows_removed, "mentions redacted": t.mentions_redacted,
                        "versions rewritten": list(t.versions_rewritten), "files rewritten": t.files_rewritten,
                        "commits rewritten": t.commits_rewritten, "checkpoints rewritten": t.checkpoints_rewritten,
                        "recorded as version": t.version}
                       for t in report.tables], title=f"erasure {report.request_id} of subject {report.subject}")
        out.print(f"commit metadata rewritten in: {', '.join(report.logs) or 'none'}; "
                  f"artifacts redacted: {len(report.artifacts)}")
        out.print(f"runs that used the data: {', '.join(report.runs) or 'none'} "
                  f"(no longer reproducible: {', '.join(report.unreproducible) or 'none'}); "
                  f"derived tables still counting them until a rerun: {', '.join(report.stale) or 'none'}")
        out.print("verified: nothing left" if report.verified else f"NOT verified: {'; '.join(report.residue)}",
                  markup=False, highlight=False)
    if not report.verified:
        raise typer.Exit(1)


@app.command()
def verify(ctx: typer.Context, ids: SubjectArg) -> None:
    """Search again for an erased subject: rows, files of old versions, log text (exit 1 if found)."""
    with progress(ctx, "verify the erasure"):
        result = open_lake(ctx).gdpr.verify(**_subject(ids))
    if as_json(ctx):
        print_json(result.asdict())
    else:
        out.print(f"subject {result.subject}: {result.files} file(s) decoded, " + (
            "nothing left" if result.verified else f"still found: {'; '.join(result.residue)}"),
                  markup=False, highlight=False)
        if result.stale:
            out.print(f"derived tables still counting them until a rerun: {', '.join(result.stale)}")
    if not result.verified:
        raise typer.Exit(1)


@app.command()
def audit(ctx: typer.Context,
          ids: Annotated[list[str] | None, typer.Argument(help="KIND=VALUE: only this subject.")] = None) -> None:
    """The audit trail of GDPR requests (who, when, why, which subject hash, what changed)."""
    rows = decoded(open_lake(ctx).gdpr.audit(**_subject(ids or [])).to_pylist(), {"details": "null"})
    if as_json(ctx):
        print_json(rows)
        return
    print_records(rows, columns=["at", "request_id", "action", "status", "subject", "reason", "user"])
