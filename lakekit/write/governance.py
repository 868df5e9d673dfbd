"""Which schema governs a table: the one the lake recorded, or the one it is told about, never two
that disagree.

A write (or a validation) takes the schema it is given (``schema=``) or the catalog's model for
the table; with neither, the schema the lake recorded for the table governs, rebuilt from its
definition. A given schema whose definition differs from the recorded one is refused
(:class:`~lakekit.errors.SchemaChanged`) until :func:`replace` records it, itself a commit of the
table. A table's first governed write records its schema (:mod:`lakekit.index.recorded`).

The Delta schema carries each governed column's PII kind in its field metadata
(``{"lakekit.pii": "email"}``), so other engines see it: set on the columns a commit creates, and
on existing columns before a write whose schema tags them differently (one metadata commit per
column; an untagged column keeps an empty value, as Delta cannot drop a metadata key). Tagged
columns are kept out of the log's min/max statistics from then on
(``delta.dataSkippingStatsColumns``), as they are in a table created under the schema.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pyarrow as pa
from deltalake import DeltaTable

from lakekit.core.definition import describe, differences, hash_of, schema_hash, schema_name
from lakekit.core.model import Model, pii_columns
from lakekit.core.results import RecordedSchema
from lakekit.errors import InternalError, SchemaChanged, TableNotFound, UsageError
from lakekit.index import metadata, recorded
from lakekit.index.provenance import SchemaProvenance
from lakekit.storage.delta import Storage
from lakekit.write import indexes, validate
from lakekit.write.catalog import Catalog
from lakekit.write.commit import commit_once

PII_KEY = "lakekit.pii"
"""The Delta field-metadata key holding a column's PII kind."""
STATISTICS = "delta.dataSkippingStatsColumns"
"""The table property naming the columns whose min/max the log keeps."""


def _snapshot(storage: Storage, table: str) -> DeltaTable | None:
    try:
        return storage.open(table)
    except TableNotFound:
        return None


def _current(storage: Storage, snapshot: DeltaTable | None, table: str,
             schemas: list[RecordedSchema] | None = None) -> RecordedSchema | None:
    return recorded.at(storage, table, snapshot=snapshot, schemas=schemas) if snapshot is not None else None


def _refuse(table: str, given: Model, current: RecordedSchema) -> SchemaChanged:
    return SchemaChanged(table, f"{schema_name(given)} ({schema_hash(given)[:15]}…)",
                         f"{current.name} ({current.hash[:15]}…)", differences(current.definition, describe(given)))


def governing(storage: Storage, table: str, catalog: Catalog, given: Model | None = None) -> Model | None:
    """The model that governs a write to (or a validation of) ``table``: ``given``, else the
    catalog's, else the recorded one; None when there is none. A given or catalog model that
    differs from the recorded one is refused."""
    return _governing(table, catalog, given, _current(storage, _snapshot(storage, table), table))


def _governing(table: str, catalog: Catalog, given: Model | None, current: RecordedSchema | None) -> Model | None:
    model = given or catalog.find(table)
    if model is None:
        return current.model() if current is not None else None
    if current is not None and current.hash != schema_hash(model):
        raise _refuse(table, model, current)
    return model


def for_write(storage: Storage, table: str, catalog: Catalog, given: Model | None = None) -> Model | None:
    """:func:`governing`, made ready for a write: a schema the lake had not recorded recorded, its PII
    kinds on the table's columns, its tagged columns out of the log's statistics."""
    snapshot = _snapshot(storage, table)
    current = _current(storage, snapshot, table)
    model = _governing(table, catalog, given, current)
    if model is None:
        return None
    if current is None or current.hash != schema_hash(model):
        _record(storage, table, model)
    if snapshot is not None:
        _tag_columns(storage, table, model, _untagged(snapshot, model))
        if _statistics(snapshot, model):
            commit_once(storage, table, lambda base: _keep_statistics(storage, table, model, _existing(base), None))
    return model


def in_force(storage: Storage, table: str, catalog: Catalog,
             schemas: list[RecordedSchema] | None = None) -> Model | None:
    """The model of ``table`` for reading (its keys, its tags): the recorded one (the catalog's own
    class when it is the same schema), else the catalog's. ``schemas``: those recorded for the table,
    when read already (:func:`lakekit.index.recorded.by_table`). When every schema recorded is the
    catalog's, the log is not asked which one governs."""
    schemas = recorded.recorded(storage, table) if schemas is None else schemas
    model = catalog.find(table)
    if model is not None and all(s.hash == schema_hash(model) for s in schemas):
        return model
    current = _current(storage, _snapshot(storage, table), table, schemas) if schemas else None
    if current is None or (model is not None and schema_hash(model) == current.hash):
        return model
    return current.model()


def tags(storage: Storage, table: str, catalog: Catalog, schemas: list[RecordedSchema] | None = None) -> dict[str, str]:
    """Every PII tag ``table`` has or had: those of each schema recorded for it (``schemas``, when
    read already), and the catalog's. Old versions keep the data of columns a replaced schema no
    longer tags."""
    found: dict[str, str] = {}
    for schema in recorded.recorded(storage, table) if schemas is None else schemas:
        found.update(schema.pii)
    model = catalog.find(table)
    return {**found, **(pii_columns(model) if model is not None else {})}


def stamp(model: Model | None) -> tuple[str | None, str | None]:
    """(``schema``, ``schema_hash``): how a commit governed by ``model`` names it in its provenance."""
    return (schema_name(model), schema_hash(model)) if model is not None else (None, None)


def _record(storage: Storage, table: str, model: Model) -> None:
    """Keep ``model``'s definition for ``table`` (once per table and hash, whoever writes it first)."""
    definition = describe(model)
    digest = hash_of(definition)
    row = {"schema_id": f"{table}@{digest}", "table": table, "schema_name": schema_name(model),
           "schema_hash": digest, "definition": definition, "recorded_at": datetime.now(UTC)}
    indexes.append(storage, "schemas", metadata.rows("schemas", [row]), once_by="schema_id")


def _existing(base: DeltaTable | None) -> DeltaTable:
    if base is None:
        raise InternalError("a table lakekit just saw is gone")
    return base


def _statistics(snapshot: DeltaTable, model: Model) -> dict[str, str]:
    """The table property keeping ``model``'s tagged columns out of the log's statistics from now on
    (a column once kept out stays out); empty when the table's already does."""
    listed = snapshot.metadata().configuration.get(STATISTICS)
    kept = listed.split(",") if listed else pa.schema(snapshot.schema().to_arrow()).names
    personal = set(pii_columns(model))
    return {STATISTICS: ",".join(c for c in kept if c not in personal)} if personal & set(kept) else {}


def _keep_statistics(storage: Storage, table: str, model: Model, base: DeltaTable,
                     made: SchemaProvenance | None) -> int | None:
    """One commit on ``base`` setting :func:`_statistics` when it changes anything, or carrying
    ``made`` (a schema's own commit) in any case; its version."""
    properties = _statistics(base, model)
    if not properties and made is None:
        return None
    return storage.set_properties(table, properties, base=base, commit=made.commit({}) if made else None)


def _untagged(snapshot: DeltaTable, model: Model) -> dict[str, str]:
    """Column → the PII kind (``""``: none) ``model`` gives it, where the Delta schema says otherwise."""
    wanted = pii_columns(model)
    return {f.name: wanted.get(f.name, "") for f in pa.schema(snapshot.schema().to_arrow())
            if not f.name.startswith("_") and (f.metadata or {}).get(PII_KEY.encode(), b"").decode()
            != wanted.get(f.name, "")}


def _tag_columns(storage: Storage, table: str, model: Model, columns: dict[str, str]) -> None:
    """Put the PII kind of each of ``columns`` into the Delta schema's field metadata, one commit each
    (made only where the latest snapshot still differs)."""

    def tag(column: str, base: DeltaTable | None) -> None:
        if column in _untagged(_existing(base), model):
            storage.set_column_metadata(table, column, {PII_KEY: columns[column]}, base=_existing(base))

    for column in columns:
        commit_once(storage, table, functools.partial(tag, column))


def tagged(schema: pa.Schema, model: Model | None, base: pa.Schema | None) -> pa.Schema:
    """``schema`` as a commit writes it: columns the table has keep their field metadata, new ones
    carry the PII kind ``model`` tags them with."""
    kinds = pii_columns(model) if model is not None else {}
    fields = []
    for field in schema:
        if base is not None and field.name in base.names:
            field = field.with_metadata(base.field(field.name).metadata)
        elif field.name in kinds:
            field = field.with_metadata({**(field.metadata or {}), PII_KEY.encode(): kinds[field.name].encode()})
        fields.append(field)
    return pa.schema(fields, metadata=schema.metadata)


def replace(storage: Storage, table: str, model: Model, *, replace: bool) -> RecordedSchema:
    """Record ``model`` as the schema of ``table`` from its next version on, as a commit of its own
    (naming the schema it replaces) whose rows are then validated under it (the verdict recorded);
    a model differing from the recorded one needs ``replace``. Re-running after a crash finishes
    the job (a lost verdict is listed by ``repair``)."""
    if not storage.exists(table):
        raise UsageError(f"'{table}' has no version yet: its first write records its schema")
    current = recorded.at(storage, table)
    digest = schema_hash(model)
    if current is not None and current.hash != digest and not replace:
        raise _refuse(table, model, current)
    _record(storage, table, model)
    _tag_columns(storage, table, model, _untagged(storage.open(table), model))
    if current is None or current.hash != digest:
        made = SchemaProvenance(schema=schema_name(model), schema_hash=digest,
                                replaces=current.hash if current is not None else None)
        version = commit_once(storage, table, lambda base: _keep_statistics(storage, table, model, _existing(base),
                                                                             made))
        assert version is not None
        validate.revalidate(storage, table, version, model)
    found = recorded.at(storage, table)
    assert found is not None
    return found

