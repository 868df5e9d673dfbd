"""Validation: find a table's pandera schema and audit incoming rows against it, batch by batch.

Write-audit-publish: an :class:`~lakekit.write.audit.Auditor` sees every batch of a load before
anything commits; each batch is split into rows that may
commit and rows that failed, the latter kept whole and exactly typed with the failed checks in
``_errors``. This module is what the other layers call; it imports pandera and polars (through
:mod:`lakekit.write.audit`) only when a schema is actually checked, so a lake that reads, or
writes tables without a schema, never loads them.
"""

from __future__ import annotations

import pyarrow as arrow

from lakekit.core.definition import schema_hash, schema_name
from lakekit.core.model import Model, OnInvalid, pii_columns, policy_of, table_of, unique_keys
from lakekit.core.results import ValidationReport
from lakekit.errors import FailedChecks, SchemaDrift, VersionGone
from lakekit.storage.delta import Storage
from lakekit.write import indexes

__all__ = [
    "OnInvalid",
    "check_drift",
    "enforce",
    "pii_columns",
    "policy_of",
    "prior_columns",
    "revalidate",
    "schema_hash",
    "schema_name",
]

ERRORS = "_errors"
"""The column of a rejected row naming the checks it failed (a JSON list)."""


def prior_columns(model: Model) -> list[str]:
    """The columns of a table an auditor needs as ``prior``: those of its unique keys."""
    return list(dict.fromkeys(c for key in unique_keys(model) for c in key.columns))


def check_drift(model: Model, arrow_schema: arrow.Schema, *, source: str) -> None:
    """Raise :class:`SchemaDrift` naming every column of ``arrow_schema`` that does not fit ``model``:
    required columns missing, columns a strict schema does not know, types that cannot be coerced.
    """
    import polars as pl

    from lakekit.core.checks import drift

    problems = drift(model, dict(pl.from_arrow(arrow_schema.empty_table()).schema))  # type: ignore[union-attr]
    if problems:
        raise SchemaDrift(table_of(model), source, problems)


def enforce(report: ValidationReport, policy: OnInvalid) -> None:
    """Raise :class:`FailedChecks` when ``policy`` is ``"fail"`` and ``report`` has failures."""
    if policy == "fail" and not report.ok:
        raise FailedChecks(report)


def revalidate(storage: Storage, table: str, version: int, model: Model) -> ValidationReport:
    """Check a committed version of ``table`` against ``model`` and record the verdict.

    Answers "was this data valid under today's rules?" for any version, e.g. the one a model
    was trained on; the rows are streamed, the table is not changed.
    """
    from lakekit.write.audit import Auditor

    auditor = Auditor(model, on_invalid="warn", source=table)
    batches = storage.dataset(table, version).to_batches()
    try:
        for _ in auditor.audit_stream(batches):
            pass
    except FileNotFoundError:
        raise VersionGone(table) from None
    report = auditor.report(version)
    indexes.record_validation(storage, report)
    return report
