"""``lakekit gdpr find | export | erase | verify | audit``: requests about one data subject.

The subject is named by ``KIND=VALUE`` arguments (``email=alice@example.com``, ``user_id=42``),
the kinds the schemas tag. Output names the subject by its salted hash, never by a value;
only ``export`` writes the subject's data, to the file given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lakekit.cli._common import as_json, key_value, open_lake, out, print_json, print_records

app = typer.Typer(help="GDPR: find, export, erase a data subject; verify an erasure; the audit trail.",
                  no_args_is_help=True)
SubjectArg = Annotated[list[str], typer.Argument(help="KIND=VALUE identifiers, e.g. email=alice@example.com.",
                                                 show_default=False)]


def _subject(ids: list[str]) -> dict[str, Any]:
    found: dict[str, list[str]] = {}
    for text in ids:
        kind, value = key_value(text, "KIND=VALUE")
        found.setdefault(kind, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in found.items()}


@app.command()
def find(ctx: typer.Context, ids: SubjectArg) -> None:
    """Where the subject's data is: tables, versions, files, quarantine, predictions, runs."""
    report = open_lake(ctx).gdpr.find(**_subject(ids))
    if as_json(ctx):
        print_json(report.asdict())
        return
    out.print(f"subject {report.subject}: identifiers {report.identifiers}")
    print_records([{"table": h.table, "place": h.place, "rows": h.rows, "versions": list(h.versions),
                    "files": len(h.files), "orphans": len(h.orphans)} for h in report.tables])
    out.print(f"runs that used the data: {', '.join(report.runs) or 'none'}")
    out.print(f"derived tables without identifiers: {', '.join(report.downstream) or 'none'}")


@app.command()
def export(
    ctx: typer.Context,
    ids: SubjectArg,
    to: Annotated[Path, typer.Option("--to", help="File to write the export to (JSON).")],
) -> None:
    """Write the subject's data, its sources and the runs that used it to a JSON file (Art. 15)."""
    data = open_lake(ctx).gdpr.export(**_subject(ids))
    to.write_text(json.dumps(data, indent=2, default=str))
    rows = sum(len(t["rows"]) for t in data["tables"].values())
    out.print(f"subject {data['subject']}: {rows} row(s) from {len(data['tables'])} table(s) written to {to}")


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
    report = open_lake(ctx).gdpr.erase(reason=reason, **_subject(ids))
    if as_json(ctx):
        print_json(report.asdict())
    else:
        print_records([{"table": t.table, "rows removed": t.rows_removed, "version": t.version,
                        "files removed": t.files_removed, "versions erased": list(t.versions_erased)}
                       for t in report.tables], title=f"erasure {report.request_id} of subject {report.subject}")
        out.print(f"runs to retrain: {', '.join(report.runs) or 'none'}; "
                  f"tables to recompute: {', '.join(report.downstream) or 'none'}")
        out.print("verified: nothing left" if report.verified else f"NOT verified: {'; '.join(report.residue)}")
    if not report.verified:
        raise typer.Exit(1)


@app.command()
def verify(ctx: typer.Context, ids: SubjectArg) -> None:
    """Search again for an erased subject: rows, files of old versions, log text (exit 1 if found)."""
    result = open_lake(ctx).gdpr.verify(**_subject(ids))
    if as_json(ctx):
        print_json(result.asdict())
    else:
        out.print(f"subject {result.subject}: " + ("nothing left" if result.verified else
                                                   f"still found: {'; '.join(result.residue)}"))
    if not result.verified:
        raise typer.Exit(1)


@app.command()
def audit(ctx: typer.Context,
          ids: Annotated[list[str] | None, typer.Argument(help="KIND=VALUE: only this subject.")] = None) -> None:
    """The audit trail of GDPR requests (who, when, why, which subject hash, what changed)."""
    rows = open_lake(ctx).gdpr.audit(**_subject(ids or [])).to_pylist()
    if as_json(ctx):
        print_json(rows)
        return
    print_records(rows, columns=["at", "request_id", "action", "status", "subject", "reason", "user"])
