"""lakekit's own tables under ``<root>/_lakekit/``: indexes over the data tables' commits, and
how they are read (rows are appended by :mod:`lakekit.write.indexes`).

Every row here can be rebuilt from the data tables' histories (their commits carry the
provenance), so a crash between a data commit and its index row loses nothing; except the rows
of ``schemas``, the definitions the commits name by hash, which are written before any commit
names them (:mod:`lakekit.index.recorded`). Rows are checked against their pandera schema in
``lakekit/index/schemas.py`` before they are written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from lakekit.core import values
from lakekit.errors import TableNotFound
from lakekit.index import journal
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.storage.failures import engine
from lakekit.storage.scan import Where, rows_where, selected

_TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "loads": pa.schema([
        ("table", pa.string()), ("load_id", pa.string()), ("version", pa.int64()), ("job", pa.string()),
        ("mode", pa.string()), ("files", pa.string()), ("rows", pa.int64()), ("quarantined", pa.int64()),
        ("metadata", pa.string()), ("lakekit_version", pa.string()), ("git_commit", pa.string()),
        ("user", pa.string()), ("host", pa.string()), ("committed_at", _TS),
    ]),
    "validations": pa.schema([
        ("table", pa.string()), ("version", pa.int64()), ("schema_name", pa.string()),
        ("schema_hash", pa.string()), ("rows_checked", pa.int64()), ("failures", pa.string()),
        ("ok", pa.bool_()), ("validated_at", _TS),
    ]),
    "transforms": pa.schema([
        ("table", pa.string()), ("version", pa.int64()), ("transform_id", pa.string()), ("sql", pa.string()),
        ("sql_hash", pa.string()), ("dialect", pa.string()), ("mode", pa.string()), ("keys", pa.string()),
        ("incremental", pa.bool_()), ("inputs", pa.string()), ("previous_inputs", pa.string()),
        ("source", pa.string()), ("job", pa.string()),
        ("rows", pa.int64()), ("quarantined", pa.int64()), ("git_commit", pa.string()), ("user", pa.string()),
        ("host", pa.string()), ("committed_at", _TS),
    ]),
    "lineage": pa.schema([
        ("transform_id", pa.string()), ("source_table", pa.string()), ("source_version", pa.int64()),
        ("source_column", pa.string()), ("target_table", pa.string()), ("target_version", pa.int64()),
        ("target_column", pa.string()), ("kind", pa.string()), ("subtype", pa.string()),
    ]),
    # one row per change of a run's state; a run is the fold of its rows (lakekit.runs)
    "runs": pa.schema([
        ("run_id", pa.string()), ("name", pa.string()), ("status", pa.string()), ("error", pa.string()),
        ("params", pa.string()), ("metrics", pa.string()), ("tags", pa.string()), ("artifacts", pa.string()),
        ("predictions", pa.string()), ("command", pa.string()), ("started_at", _TS), ("ended_at", _TS),
        ("updated_at", _TS), ("git_commit", pa.string()), ("git_dirty", pa.bool_()), ("user", pa.string()),
        ("host", pa.string()), ("python", pa.string()), ("packages", pa.string()), ("lakekit_version", pa.string()),
    ]),
    "run_inputs": pa.schema([
        ("run_id", pa.string()), ("seq", pa.int64()), ("table", pa.string()), ("version", pa.int64()),
        ("columns", pa.string()), ("filter", pa.string()), ("rows", pa.int64()), ("fingerprint", pa.string()),
        ("read_at", _TS),
    ]),
    "run_outputs": pa.schema([
        ("output_id", pa.string()), ("run_id", pa.string()), ("table", pa.string()), ("version", pa.int64()),
        ("mode", pa.string()), ("rows", pa.int64()), ("inputs", pa.string()), ("written_at", _TS),
    ]),
    # one row per transform run that ended (committed: finished, or failed), written through the journal
    "transform_runs": pa.schema([
        ("transform_id", pa.string()), ("table", pa.string()), ("status", pa.string()), ("error", pa.string()),
        ("sql", pa.string()), ("dialect", pa.string()), ("inputs", pa.string()), ("started_at", _TS),
        ("ended_at", _TS),
    ]),
    # one row per run read (seq >= 1) or whole run (seq 0) an erasure changed: reproduce checks against it
    "run_erasures": pa.schema([
        ("erasure_id", pa.string()), ("request_id", pa.string()), ("subject", pa.string()), ("run_id", pa.string()),
        ("seq", pa.int64()), ("table", pa.string()), ("version", pa.int64()), ("rows_before", pa.int64()),
        ("rows", pa.int64()), ("fingerprint", pa.string()), ("reproducible", pa.bool_()), ("reason", pa.string()),
        ("at", _TS),
    ]),
    "feature_views": pa.schema([
        ("name", pa.string()), ("definition", pa.string()), ("user", pa.string()), ("host", pa.string()),
        ("registered_at", _TS),
    ]),
    "training_sets": pa.schema([
        ("run_id", pa.string()), ("seq", pa.int64()), ("spec", pa.string()), ("rows", pa.int64()),
        ("fingerprint", pa.string()), ("built_at", _TS),
    ]),
    # one row per schema that governed a table (written before the first commit naming it)
    "schemas": pa.schema([
        ("schema_id", pa.string()), ("table", pa.string()), ("schema_name", pa.string()),
        ("schema_hash", pa.string()), ("definition", pa.string()), ("recorded_at", _TS),
    ]),
    "audit": pa.schema([
        ("audit_id", pa.string()), ("request_id", pa.string()), ("action", pa.string()), ("status", pa.string()),
        ("subject", pa.string()), ("reason", pa.string()), ("details", pa.string()), ("user", pa.string()),
        ("host", pa.string()), ("lakekit_version", pa.string()), ("at", _TS),
    ]),
}


NULLABLE: dict[str, frozenset[str]] = {
    "loads": frozenset({"git_commit"}),
    "transforms": frozenset({"previous_inputs", "source", "git_commit"}),
    "lineage": frozenset({"source_version"}),
    "runs": frozenset({"error", "predictions", "command", "ended_at", "git_commit", "git_dirty"}),
    "run_inputs": frozenset({"columns", "filter"}),
    "transform_runs": frozenset({"error", "inputs"}),
    "run_erasures": frozenset({"table", "version", "rows_before", "rows", "fingerprint", "reason"}),
    "feature_views": frozenset({"definition"}),
    "audit": frozenset({"reason"}),
}
"""The columns of each index table that may hold a null; every other column holds a value."""

JSON_TEXT: dict[str, frozenset[str]] = {
    "loads": frozenset({"files", "metadata"}), "validations": frozenset({"failures"}),
    "runs": frozenset({"params", "metrics", "tags", "artifacts", "predictions", "command", "packages"}),
    "run_inputs": frozenset({"columns", "filter"}), "run_outputs": frozenset({"inputs"}),
    "transforms": frozenset({"keys", "inputs", "previous_inputs"}), "transform_runs": frozenset({"inputs"}),
    "schemas": frozenset({"definition"}), "audit": frozenset({"details"}),
    "feature_views": frozenset({"definition"}), "training_sets": frozenset({"spec"}),
}
"""The columns of each index table holding JSON text (:func:`rows` writes nested values so)."""

UNIQUE = {"loads": "load_id", "transforms": "transform_id", "run_outputs": "output_id",
          "transform_runs": "transform_id", "run_erasures": "erasure_id", "schemas": "schema_id",
          "audit": "audit_id"}
"""The column of an index table naming each of its rows once."""

def rows(name: str, records: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Records as a table of the metadata table's schema (dict/list values as JSON text)."""
    schema = SCHEMAS[name]
    cols = {
        f.name: [_json(r.get(f.name)) if pa.types.is_string(f.type) else r.get(f.name) for r in records]
        for f in schema
    }
    return values.table(cols, schema)


def _json(value: Any) -> Any:
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value


def decoded(records: Iterable[Mapping[str, Any]], empty: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows of lakekit's own tables with their JSON-text columns (the keys of ``empty``) as the
    objects the text spells; a null (or empty text) as the JSON text ``empty`` gives for its column (``"null"``,
    ``"{}"``, ``"[]"``): the reverse of :func:`rows`.

    >>> decoded([{"id": 1, "params": '{"lr": 0.1}', "tags": None}], {"params": "{}", "tags": "{}"})
    [{'id': 1, 'params': {'lr': 0.1}, 'tags': {}}]
    """
    return [{k: json.loads(v or empty[k]) if k in empty else v for k, v in r.items()}
            for r in records]


LOOKUP_COLUMNS = {"loads": "table", "validations": "table", "transforms": "table", "lineage": "transform_id",
                  "runs": "run_id", "run_inputs": "run_id",
                  "transform_runs": "transform_id", "run_outputs": "run_id", "run_erasures": "run_id",
                  "audit": "subject", "feature_views": "name", "training_sets": "run_id", "schemas": "table"}
"""The column each index table is looked up by: the only one with file statistics."""


def read(storage: Storage, name: str, *, where: Where | None = None) -> pa.Table:
    """All rows of ``_lakekit/<name>`` (empty when it does not exist yet), or those ``where``
    selects, with those of its journal not folded into it yet (:mod:`lakekit.index.journal`)."""
    full = f"{META_NAMESPACE}.{name}"
    loaded = journal.load(storage, name, journal.entries(storage, name)) if name in journal.NAMES else []
    try:
        snapshot = storage.latest(full)
    except TableNotFound:
        snapshot = None
    found = []
    if snapshot is not None:
        with engine(full, "read"):
            found.append(rows_where(snapshot, full, where))
    extra = journal.pending(storage, name, snapshot, loaded)
    if not extra:
        return found[0] if found else pa.Table.from_batches([], schema=SCHEMAS[name])
    schema = found[0].schema if found else SCHEMAS[name]
    noted = pa.concat_tables([t.cast(schema) for t in extra])
    return pa.concat_tables([*found, noted if where is None else selected(noted, where)])


def of_table(table: str) -> Where:
    """What selects one data table's rows of a metadata table."""
    return ("table", (table,))
