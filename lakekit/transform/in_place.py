"""An UPDATE or DELETE transform committed as delta-rs's own UPDATE or DELETE on its target.

Only the files holding rows the statement picks are rewritten; the commit names the operation
and its predicate, and carries the transform's provenance and app transaction like any other
(exactly once: :mod:`lakekit.write.commit`). An UPDATE's new rows are audited first: DuckDB
computes them from the pinned version (:attr:`~lakekit.transform.statement.Change.changed`) and
the table's schema checks them; the verdict is recorded for the version. Values that compute
are computed by DuckDB first even without a schema
(:attr:`~lakekit.transform.native.Native.checked`). :func:`apply` declines (returns ``None``)
whenever this would not be the statement's exact result or its whole audit: a predicate or
value DataFusion might evaluate otherwise (:mod:`lakekit.transform.native`), a row of the target
meeting a guard of the translation (:attr:`~lakekit.transform.native.Native.guards`), values DuckDB
fails to compute, a row the audit would reject or flag, a unique column set (uniqueness spans
untouched rows). DuckDB then runs the statement (:mod:`lakekit.transform.rewrite`), which
quarantines as every write does. A statement that picks no row commits nothing (delta-rs makes no version
for it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import deltalake
import pyarrow as pa
from deltalake import DeltaTable

from lakekit.core.model import Model, OnInvalid
from lakekit.core.results import ValidationReport
from lakekit.errors import SqlError
from lakekit.storage.delta import Commit, Storage
from lakekit.transform import query
from lakekit.transform.native import Native, native
from lakekit.transform.statement import Change
from lakekit.write import indexes, validate

if TYPE_CHECKING:
    from lakekit.write.audit import Auditor

ENGINE = f"delta-rs {deltalake.__version__}"
"""What provenance names as the engine of a change delta-rs ran."""


@dataclass(frozen=True)
class Applied:
    """What a change committed: the version (``None``: it picked no row, nothing was committed),
    the rows it updated or deleted, and the rows the files it added hold."""

    version: int | None
    rows: int
    written: int
    report: ValidationReport | None


def plan(change: Change | None, base: DeltaTable | None) -> Native | None:
    """The change in delta-rs's terms when it can run there on ``base`` (else ``None``)."""
    if change is None or base is None:
        return None
    return native(change, pa.schema(base.schema().to_arrow()))


def apply(storage: Storage, target: str, base: DeltaTable, change: Change, planned: Native, *, dialect: str,
          model: Model | None, on_invalid: OnInvalid | None, commit: Commit) -> Applied | None:
    """Commit ``planned`` on ``base``, its rows audited by ``model``; ``None``: declined (see the
    module's docstring), nothing written."""
    if planned.guards and _met(storage, target, base, planned.guards):
        return None
    report = None
    if model is not None:
        report = _audit(storage, target, base, change, dialect, model, on_invalid)
        if report is None:
            return None
    elif planned.checked and not _computed(_changed(storage, target, base, change, dialect), None):
        return None
    version, rows, written = storage.change(target, predicate=planned.predicate,
                                            updates=planned.updates if planned.kind == "update" else None,
                                            commit=commit, base=base)
    if report is not None and version is not None:
        report = dataclasses.replace(report, version=version)
        indexes.record_validation(storage, report)
    return Applied(version, rows, written, report if version is not None else None)


def _audit(storage: Storage, target: str, base: DeltaTable, change: Change, dialect: str, model: Model,
           on_invalid: OnInvalid | None) -> ValidationReport | None:
    """The verdict on the rows an UPDATE changes (a DELETE changes none), or ``None`` when one
    fails a check or the change sets a unique column."""
    from lakekit.write.audit import Auditor  # pandera and polars, only when rows are checked

    auditor = Auditor(model, on_invalid=on_invalid, source=target)
    if change.kind == "update":
        if set(validate.prior_columns(model)) & {column for column, _ in change.assignments}:
            return None
        if not _computed(_changed(storage, target, base, change, dialect), auditor):
            return None
    report = auditor.report()
    return report if not report.failures else None


def _met(storage: Storage, target: str, base: DeltaTable, guards: tuple[str, ...]) -> bool:
    """Whether a row of ``base`` meets one of the guards (:attr:`Native.guards`), as DuckDB reads it."""
    where = " OR ".join(f"COALESCE({g}, FALSE)" for g in guards)
    prepared = query.prepare(storage, f"SELECT COUNT(*) AS n FROM {target} WHERE {where}", dialect="duckdb",
                             versions={target: base.version()})
    return bool(query.execute(storage, prepared).read_all().column("n")[0].as_py())


def _changed(storage: Storage, target: str, base: DeltaTable, change: Change, dialect: str) -> Iterator[pa.RecordBatch]:
    """The rows an UPDATE picks as DuckDB computes them after it, from ``base``."""
    prepared = query.prepare(storage, change.changed, dialect=dialect, versions={target: base.version()})
    return iter(query.execute(storage, prepared))


def _computed(rows: Iterator[pa.RecordBatch], auditor: Auditor | None) -> bool:
    """Whether DuckDB computes ``rows`` (it fails on an overflow DataFusion would wrap around)
    and ``auditor``, when given, rejects none of them."""
    try:
        if auditor is None:
            return all(batch is not None for batch in rows)
        return all(not audited.rejected.num_rows for audited in auditor.audit_stream(rows))
    except SqlError:
        return False
