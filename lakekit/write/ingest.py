"""Ingest: source files → one new version of a Delta table, exactly once, with provenance.

The lifecycle of a load: ``resolved`` (files found and fingerprinted) → ``planned``
(already-loaded files dropped, schemas reconciled) → ``committed`` (one Delta commit) →
``indexed`` (its row in ``_lakekit/loads``). What a table holds is decided by its own
commit: each loaded file's checksum is an app transaction in the commit that loaded it, and
the commit is made only on top of the snapshot in which those files were checked absent, so
two processes loading the same file at once commit it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable

from lakekit import sources
from lakekit.core import names
from lakekit.core.checks import Model, OnInvalid
from lakekit.core.evolution import reconcile
from lakekit.core.results import LoadResult, SourceFile, WriteMode
from lakekit.errors import SourceError, UsageError
from lakekit.index import metadata
from lakekit.index.heal import Healer, Lost, heal
from lakekit.index.provenance import LoadProvenance, new_id, now
from lakekit.sources.formats import Format, Source
from lakekit.storage.delta import Storage
from lakekit.write import indexes, publish, validate
from lakekit.write.commit import commit_once
from lakekit.write.publish import Progress, Target

LOAD_ID = "_load_id"


def file_app_id(f: SourceFile) -> str:
    """The app-transaction id under which a file's content is marked loaded in a table."""
    return f"lakekit-file:{f.checksum}"


@dataclass(frozen=True)
class IngestOptions:
    """The knobs of one ingest call that travel together."""

    mode: WriteMode = "append"
    keys: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    job: str | None = None
    load_id_column: bool = True
    schema: Model | None = None
    schema_package: str = "schemas"
    on_invalid: OnInvalid | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("append", "overwrite", "merge"):
            raise UsageError(f"mode must be append, overwrite or merge, got '{self.mode}'")
        if self.mode == "merge" and not self.keys:
            raise UsageError("mode='merge' needs keys= (the columns to match rows on)")
        if self.keys and self.mode != "merge":
            raise UsageError("keys= only applies to mode='merge'")


def ingest(
    storage: Storage,
    table: str,
    source: str | Sequence[str],
    *,
    format: Format | None = None,
    options: IngestOptions,
    progress: Progress | None = None,
) -> LoadResult:
    """Load the files of ``source`` into ``table`` as one new version, each file at most once."""
    names.check_writable(table)
    found = sources.resolve(source, format=format, storage_options=storage.options)
    fresh: dict[str, tuple[Source, SourceFile]] = {}
    for src in found:
        fp = sources.fingerprint(src)
        fresh.setdefault(fp.checksum, (src, fp))
    load_id = new_id()
    model = options.schema or validate.find_schema(table, options.schema_package)

    def attempt(dt: DeltaTable | None) -> tuple[LoadResult, LoadProvenance | None]:
        todo = [pair for pair in fresh.values() if dt is None or dt.transaction_version(file_app_id(pair[1])) is None]
        if not todo:
            return LoadResult(table, dt.version() if dt else None, 0, 0, True, (),
                              skipped_files=tuple(fp for _, fp in fresh.values())), None
        types = {f.name: f.type for f in pa.schema(dt.schema().to_arrow())} if dt is not None else None
        readers = [(src, fp, sources.read(src, types)) for src, fp in todo]
        for src, _, reader in readers:
            if LOAD_ID in {n.lower() for n in reader.schema.names}:
                raise SourceError(src.uri, f"column '{LOAD_ID}' is lakekit's own (the load of each row): rename it")
        target = Target(table, options.mode, options.keys,
                        tuple(dt.metadata().partition_columns) if dt is not None else options.partition_by,
                        model, options.on_invalid)
        publish.check_drift(target, [(src.uri, reader.schema) for src, _, reader in readers])
        schema = _target_schema(table, dt, readers, options)
        _check_partitions(schema, target.partition_by, table)
        files = tuple(fp for _, fp, _ in readers)
        made = LoadProvenance(
            load_id=load_id, job=options.job or f"ingest {table}", mode=options.mode, keys=options.keys,
            files=files, metadata=dict(options.metadata), schema=validate.schema_name(model) if model else None,
            schema_hash=validate.schema_hash(model) if model else None)
        indexes.check("loads", [load_row(table, 0, 0, 0, made, now())])
        done = publish.publish(storage, target, base=dt, schema=schema,
                               parts=[(src.uri, reader) for src, _, reader in readers], write_id=load_id,
                               stamp=LOAD_ID if LOAD_ID in schema.names else None,
                               commit=made.commit({file_app_id(fp): 1 for fp in files}), progress=progress)
        result = LoadResult(table, done.version, done.rows, done.quarantined, False, files, load_id=load_id,
                            skipped_files=tuple(fp for fp in (p[1] for p in fresh.values()) if fp not in files),
                            validation=done.report)
        return result, made

    result, made = commit_once(storage, table, attempt)
    if made is not None and result.version is not None:
        indexes.append(storage, "loads", metadata.rows("loads", [
            load_row(table, result.version, result.rows, result.quarantined, made, now())]), once_by="load_id")
    return result


def load_row(table: str, version: int, rows: int, quarantined: int, made: LoadProvenance,
             committed_at: datetime) -> dict[str, Any]:
    """The ``_lakekit/loads`` row of a committed load, from its commit's provenance."""
    return {
        "table": table, "load_id": made.load_id, "version": version, "job": made.job, "mode": made.mode,
        "files": [f.asdict() for f in made.files], "rows": rows, "quarantined": quarantined,
        "metadata": made.metadata, "lakekit_version": made.lakekit_version, "git_commit": made.git_commit,
        "user": made.user, "host": made.host, "committed_at": committed_at,
    }


def _target_schema(table: str, dt: DeltaTable | None, readers: Sequence[tuple[Source, SourceFile, Any]],
                   options: IngestOptions) -> pa.Schema:
    if dt is not None:
        base = pa.schema(dt.schema().to_arrow())
        fixed = True
    else:
        base = pa.schema([])
        fixed = False
    for src, _, reader in readers:
        base = reconcile(base, reader.schema, table=table, uri=src.uri, fixed=fixed)
    with_id = LOAD_ID in base.names if dt is not None else options.load_id_column
    if with_id and LOAD_ID not in base.names:
        base = base.append(pa.field(LOAD_ID, pa.string(), True))
    return base


def _check_partitions(schema: pa.Schema, partition_by: Sequence[str], table: str) -> None:
    missing = [c for c in partition_by if c not in schema.names]
    if missing:
        raise UsageError(f"cannot partition '{table}' by '{missing[0]}': no such column")


def _restore(storage: Storage, lost: Sequence[Lost[LoadProvenance]]) -> None:
    rows = [load_row(x.table, x.entry.version, x.entry.rows_added or 0, 0, x.made, x.entry.timestamp) for x in lost]
    indexes.append(storage, "loads", metadata.rows("loads", rows), once_by="load_id")


LOADS = Healer("loads", "load_id", LoadProvenance, lambda table, made: made.load_id, _restore)
"""Puts back the ``_lakekit/loads`` row of a load killed between its commit and its row."""


def loads(storage: Storage, table: str) -> pa.Table:
    """The loads of ``table``: the index, healed first from the table's own commits when it lags."""
    heal(storage, (LOADS,), tables=[table])
    return metadata.read(storage, "loads", filter=metadata.of_table(table)).sort_by([("version", "ascending")])
