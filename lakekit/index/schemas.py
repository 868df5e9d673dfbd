"""Schemas of lakekit's own metadata tables under ``<root>/_lakekit/``.

lakekit validates its metadata writes with these, as it validates any table. They are strict:
a metadata row has exactly these columns. JSON columns are checked for their outer shape (a
list or an object); their inner fields are written by lakekit itself.
"""

from __future__ import annotations

from typing import Any, get_args

import pandera.polars as pa
import polars as pl

from lakekit.core import names
from lakekit.core.results import (
    AuditAction,
    AuditStatus,
    EdgeKind,
    EdgeSubtype,
    RunStatus,
    TransformStatus,
    WriteMode,
)

JSON_LIST = r"^\[.*\]$"
JSON_OBJECT = r"^\{.*\}$"
TABLE = names.PATTERN


def _names(states: Any) -> list[str]:
    """The values of a ``Literal`` (of ``Literal``s), as a schema check allows them."""
    return [n for arg in get_args(states) for n in (_names(arg) if get_args(arg) else [arg])]


class Loads(pa.DataFrameModel):
    """One row per load: which files went into which version of a table, by whom, from where."""

    table: str = pa.Field(str_matches=TABLE)
    load_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    version: int = pa.Field(ge=0)
    job: str
    mode: str = pa.Field(isin=_names(WriteMode))
    files: str = pa.Field(str_matches=JSON_LIST)  # [{"uri", "size", "checksum"}, ...]
    rows: int = pa.Field(ge=0)
    quarantined: int = pa.Field(ge=0)
    metadata: str = pa.Field(str_matches=JSON_OBJECT)
    lakekit_version: str = pa.Field(str_length={"min_value": 1})
    git_commit: str = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{7,64}$")
    user: str
    host: str
    committed_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.loads"
        strict = True


class Validations(pa.DataFrameModel):
    """One row per validated table version: the schema (and its hash) it was checked against."""

    table: str = pa.Field(str_matches=TABLE)
    version: int = pa.Field(ge=0)
    schema_name: str = pa.Field(str_length={"min_value": 1})
    schema_hash: str = pa.Field(str_matches=r"^sha256:[0-9a-f]{64}$")
    rows_checked: int = pa.Field(ge=0)
    failures: str = pa.Field(str_matches=JSON_LIST)  # [{"column", "check", "count", "first_rows"}, ...]
    ok: bool
    validated_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.validations"
        strict = True


class Runs(pa.DataFrameModel):
    """One row per change of a run's state (start, end, an attached process's report).

    A run's state is the fold of its rows in ``updated_at`` order (``lakekit.runs``).
    """

    run_id: str = pa.Field(str_length={"min_value": 1})
    name: str = pa.Field(str_length={"min_value": 1})
    status: str = pa.Field(isin=_names(RunStatus))
    error: str = pa.Field(nullable=True)  # an exception type or an exit status, never a message
    params: str = pa.Field(str_matches=JSON_OBJECT)
    metrics: str = pa.Field(str_matches=JSON_OBJECT)
    tags: str = pa.Field(str_matches=JSON_OBJECT)
    artifacts: str = pa.Field(str_matches=JSON_LIST)  # [{"uri", "path", "sha256", "size"}, ...]
    predictions: str = pa.Field(nullable=True, str_matches=JSON_OBJECT)  # {"table", "version", "keys"}
    command: str = pa.Field(nullable=True, str_matches=JSON_OBJECT)  # {"argv", "cwd"}
    started_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]
    ended_at: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field(nullable=True)  # type: ignore[valid-type]
    updated_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]
    git_commit: str = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{7,64}$")
    git_dirty: bool = pa.Field(nullable=True)
    user: str
    host: str
    python: str
    packages: str = pa.Field(str_matches=JSON_OBJECT)
    lakekit_version: str = pa.Field(str_length={"min_value": 1})

    class Config:
        name = "_lakekit.runs"
        strict = True


class RunInputs(pa.DataFrameModel):
    """One row per ``run.read``: the exact version, columns and filter, and what came back."""

    run_id: str = pa.Field(str_length={"min_value": 1})
    seq: int = pa.Field(ge=1)
    table: str = pa.Field(str_matches=TABLE)
    version: int = pa.Field(ge=0)
    columns: str = pa.Field(nullable=True, str_matches=JSON_LIST)
    filter: str = pa.Field(nullable=True, str_matches=JSON_OBJECT)  # {"sql"} | {"substrait", "text"}
    rows: int = pa.Field(ge=0)
    fingerprint: str = pa.Field(str_matches=r"^xxh3_128:[0-9a-f]{32}$")
    read_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.run_inputs"
        strict = True


class RunOutputs(pa.DataFrameModel):
    """One row per table version a run committed, with the versions the run had read by then."""

    output_id: str = pa.Field(unique=True, str_length={"min_value": 1})  # run_id:table:seq
    run_id: str = pa.Field(str_length={"min_value": 1})
    table: str = pa.Field(str_matches=TABLE)
    version: int = pa.Field(ge=0)
    mode: str = pa.Field(isin=_names(WriteMode))
    rows: int = pa.Field(ge=0)
    inputs: str = pa.Field(str_matches=JSON_OBJECT)  # {table: version}
    written_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.run_outputs"
        strict = True


class RunErasures(pa.DataFrameModel):
    """One row per run read an erasure changed (``seq`` ≥ 1), training set (``seq`` < 0) or run it
    changed whole (``seq`` 0: an artifact): what reproducing it gives now (rows, fingerprint), or why
    it cannot be reproduced."""

    erasure_id: str = pa.Field(unique=True, str_length={"min_value": 1})  # request_id:run_id:seq
    request_id: str = pa.Field(str_length={"min_value": 1})
    subject: str = pa.Field(str_matches=r"^[0-9a-f]{32}$")
    run_id: str = pa.Field(str_length={"min_value": 1})
    seq: int  # a read's seq; 0: the run as a whole; minus a training set's seq
    table: str = pa.Field(nullable=True, str_matches=TABLE)
    version: int = pa.Field(nullable=True, ge=0)
    rows_before: int = pa.Field(nullable=True, ge=0)
    rows: int = pa.Field(nullable=True, ge=0)
    fingerprint: str = pa.Field(nullable=True, str_matches=r"^xxh3_128:[0-9a-f]{32}$")
    reproducible: bool
    reason: str = pa.Field(nullable=True)  # never a value: what made it unreproducible
    at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.run_erasures"
        strict = True


class Transforms(pa.DataFrameModel):
    """One row per committed transform: its SQL, the input versions it read, the version it made."""

    table: str = pa.Field(str_matches=TABLE)
    version: int = pa.Field(ge=0)
    transform_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    sql: str = pa.Field(str_length={"min_value": 1})
    sql_hash: str = pa.Field(str_matches=r"^[0-9a-f]{64}$")
    dialect: str = pa.Field(str_length={"min_value": 1})
    mode: str = pa.Field(isin=_names(WriteMode))
    keys: str = pa.Field(str_matches=JSON_LIST)
    incremental: bool
    inputs: str = pa.Field(str_matches=JSON_OBJECT)  # {table: version}
    previous_inputs: str = pa.Field(nullable=True, str_matches=JSON_OBJECT)
    source: str = pa.Field(nullable=True)
    job: str
    rows: int = pa.Field(ge=0)  # TransformResult.rows: written, or an UPDATE's / DELETE's rows changed
    quarantined: int = pa.Field(ge=0)
    git_commit: str = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{7,64}$")
    user: str
    host: str
    committed_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.transforms"
        strict = True


class TransformRuns(pa.DataFrameModel):
    """One row per transform run that ended: committed (``finished``) or ``failed``, with its start."""

    transform_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    table: str = pa.Field(str_matches=TABLE)
    status: str = pa.Field(isin=_names(TransformStatus))
    error: str = pa.Field(nullable=True)  # the exception type of a failure, never its message
    sql: str
    dialect: str = pa.Field(str_length={"min_value": 1})
    inputs: str = pa.Field(nullable=True, str_matches=JSON_OBJECT)  # {table: version}; null: not pinned yet
    started_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]
    ended_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.transform_runs"
        strict = True


class Lineage(pa.DataFrameModel):
    """One row per column edge of a transform version (OpenLineage transformation types)."""

    transform_id: str = pa.Field(str_length={"min_value": 1})
    source_table: str = pa.Field(str_length={"min_value": 1})
    source_version: int = pa.Field(nullable=True, ge=0)
    source_column: str = pa.Field(str_length={"min_value": 1})
    target_table: str = pa.Field(str_matches=TABLE)
    target_version: int = pa.Field(ge=0)
    target_column: str = pa.Field(str_length={"min_value": 1})
    kind: str = pa.Field(isin=_names(EdgeKind))
    subtype: str = pa.Field(isin=_names(EdgeSubtype))

    class Config:
        name = "_lakekit.lineage"
        strict = True


class Schemas(pa.DataFrameModel):
    """One row per schema that governed a table: its name, hash and definition. The commits of the
    versions it governs name it by hash (``lakekit.index.recorded``)."""

    schema_id: str = pa.Field(unique=True, str_length={"min_value": 1})  # table@hash
    table: str = pa.Field(str_matches=TABLE)
    schema_name: str = pa.Field(str_length={"min_value": 1})
    schema_hash: str = pa.Field(str_matches=r"^sha256:[0-9a-f]{64}$")
    definition: str = pa.Field(str_matches=JSON_OBJECT)
    recorded_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.schemas"
        strict = True


class Audit(pa.DataFrameModel):
    """One row per step of a GDPR request (find, export, erase, verify): who, when, why, which
    subject (a salted hash, never an identifier) and what changed (counts, tables, versions)."""

    audit_id: str = pa.Field(unique=True, str_length={"min_value": 1})  # request_id:status
    request_id: str = pa.Field(str_length={"min_value": 1})
    action: str = pa.Field(isin=_names(AuditAction))
    status: str = pa.Field(isin=_names(AuditStatus))
    subject: str = pa.Field(str_matches=r"^[0-9a-f]{32}$")
    reason: str = pa.Field(nullable=True)
    details: str = pa.Field(str_matches=JSON_OBJECT)
    user: str
    host: str
    lakekit_version: str = pa.Field(str_length={"min_value": 1})
    at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.audit"
        strict = True


class FeatureViews(pa.DataFrameModel):
    """One row per registration of a feature view: the latest row of a name holds its definition
    (none: the view was dropped)."""

    name: str = pa.Field(str_matches=r"^[A-Za-z_][A-Za-z0-9_]*$")
    definition: str = pa.Field(nullable=True, str_matches=JSON_OBJECT)  # {"table", "entity", "timestamp", ...}
    user: str
    host: str
    registered_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.feature_views"
        strict = True


class TrainingSets(pa.DataFrameModel):
    """One row per point-in-time training set a run built: the labels and feature views at their
    pinned versions, how it was joined, and a fingerprint of the rows that came back."""

    run_id: str = pa.Field(str_length={"min_value": 1})
    seq: int = pa.Field(ge=1)
    spec: str = pa.Field(str_matches=JSON_OBJECT)  # {"labels", "timestamp", "known_at", "ttl", "views", ...}
    rows: int = pa.Field(ge=0)
    fingerprint: str = pa.Field(str_matches=r"^xxh3_128:[0-9a-f]{32}$")
    built_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.training_sets"
        strict = True
