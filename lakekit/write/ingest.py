"""Ingest: source files → one new version of a Delta table, exactly once, with provenance.

The lifecycle of a load: ``resolved`` (files found and fingerprinted) → ``planned``
(already-loaded files dropped, schemas reconciled) → ``committed`` (one Delta commit) →
``indexed`` (its row in ``_lakekit/loads``). What a table holds is decided by its own
commit: each loaded file's checksum is an app transaction in the commit that loaded it, and
the commit is made only on top of the snapshot in which those files were checked absent, so
two processes loading the same file at once commit it once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable

from lakekit import sources
from lakekit.core import names
from lakekit.core.evolution import reconcile
from lakekit.core.model import Model, OnInvalid
from lakekit.core.results import LoadResult, SourceFile, WriteMode
from lakekit.errors import Conflict, SourceError, UsageError
from lakekit.index import metadata
from lakekit.index.heal import Healer, Lost, heal
from lakekit.index.provenance import LoadProvenance, new_id, now
from lakekit.sources.formats import Format, Source
from lakekit.storage.delta import Commit, Storage
from lakekit.write import fingerprints, governance, indexes, publish
from lakekit.write.catalog import NONE, Catalog
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
    catalog: Catalog = NONE
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
    verify: bool = False,
) -> LoadResult:
    """Load the files of ``source`` into ``table`` as one new version, each file at most once.

    A file's fingerprint is known before it is read when its store gives one (ETag) or it was
    hashed before, unchanged since (:mod:`lakekit.write.fingerprints`; ``verify`` hashes every
    file first instead); otherwise it is hashed as it is parsed, and the commit is made once every
    row is written (a copy of a loaded file under a new name is thus read, then not committed).
    """
    names.check_writable(table)
    found = sources.resolve(source, format=format, storage_options=storage.options)
    stats = {src.uri: fingerprints.stat(src) for src in found}
    remembered = {} if verify else {src.uri: fp for src in found if (fp := fingerprints.recall(storage, src))}
    known = {**remembered, **{src.uri: fp for src in found if src.uri not in remembered
                              and (fp := _known(src, options, verify)) is not None}}
    load_id = new_id()
    model = governance.for_write(storage, table, options.catalog, options.schema)

    def attempt(dt: DeltaTable | None) -> tuple[LoadResult, LoadProvenance | None]:
        todo = _todo(dt, found, known)
        if not todo:
            return LoadResult(table, dt.version() if dt else None, 0, 0, True, (),
                              skipped_files=tuple(known[src.uri] for src in found)), None
        types = {f.name: f.type for f in pa.schema(dt.schema().to_arrow())} if dt is not None else None
        digests = {src.uri: sources.Digest() for src in todo if src.uri not in known}
        readers = [(src, sources.read(src, types, digests.get(src.uri))) for src in todo]
        for src, reader in readers:
            if LOAD_ID in {n.lower() for n in reader.schema.names}:
                raise SourceError(src.uri, f"column '{LOAD_ID}' is lakekit's own (the load of each row): rename it")
        target = Target(table, options.mode, options.keys,
                        tuple(dt.metadata().partition_columns) if dt is not None else options.partition_by,
                        model, options.on_invalid)
        publish.check_drift(target, [(src.uri, reader.schema) for src, reader in readers])
        schema = _target_schema(table, dt, readers, options)
        _check_partitions(schema, target.partition_by, table)
        if digests and dt is not None and schema != pa.schema(dt.schema().to_arrow()):
            for uri in digests:  # a new column commits through delta-rs alone, which needs the fingerprints first
                known[uri] = sources.fingerprint(next(src for src in todo if src.uri == uri))
            raise _learned()
        commit = _Commit(dt, todo, known, digests, load_id, options, table, model)
        try:
            done = publish.publish(storage, target, base=dt, schema=schema,
                                   parts=[(src.uri, reader) for src, reader in readers], write_id=load_id,
                                   stamp=LOAD_ID if LOAD_ID in schema.names else None,
                                   commit=commit if digests else commit(), progress=progress)
        finally:
            known.update(commit.hashed)  # whatever happens next, these files need no second read
        result = LoadResult(table, done.version, done.rows, done.quarantined, False, tuple(commit.made.files),
                            load_id=load_id, skipped_files=tuple(known[s.uri] for s in found if s not in todo),
                            validation=done.report)
        return result, commit.made

    result, made = commit_once(storage, table, attempt)
    fingerprints.remember(storage, [(src, known[src.uri], stats[src.uri]) for src in found
                                    if src.uri in known and src.uri not in remembered])
    if made is not None and result.version is not None:
        indexes.append(storage, "loads", metadata.rows("loads", [
            load_row(table, result.version, result.rows, result.quarantined, made, now())]), once_by="load_id")
    return result


def _known(src: Source, options: IngestOptions, verify: bool) -> SourceFile | None:
    """The fingerprint of ``src`` before reading it: its store's, or computed now (to verify, which
    mostly finds the file loaded already; for a merge, which commits through delta-rs alone; for a
    format that cannot be hashed while parsed); None when it is hashed as it is read."""
    stored = sources.stored_fingerprint(src)
    if stored is not None:
        return stored
    if verify or options.mode == "merge" or not sources.digests(src):
        return sources.fingerprint(src)
    return None


def _todo(dt: DeltaTable | None, found: Sequence[Source], known: Mapping[str, SourceFile]) -> list[Source]:
    """The files still to load: not known loaded in ``dt``, each content once."""
    todo, seen = [], set()
    for src in found:
        fp = known.get(src.uri)
        if fp is not None and (fp.checksum in seen or (
                dt is not None and dt.transaction_version(file_app_id(fp)) is not None)):
            continue
        if fp is not None:
            seen.add(fp.checksum)
        todo.append(src)
    return todo


def _learned() -> Conflict:
    """Fingerprints taken during an attempt changed what is to load (files loaded already, one
    content twice, a new column): the attempt starts again knowing them."""
    return Conflict("fingerprints learned while loading; planning the load again")


class _Commit:
    """The load's commit, made once its files' fingerprints are known (after their rows, for files
    hashed while parsed); refused when one of them is loaded in ``dt`` already or twice in this load."""

    def __init__(self, dt: DeltaTable | None, todo: Sequence[Source], known: Mapping[str, SourceFile],
                 digests: Mapping[str, sources.Digest], load_id: str, options: IngestOptions, table: str,
                 model: Model | None) -> None:
        self.dt, self.todo, self.known, self.digests, self.table = dt, todo, known, digests, table
        self.hashed: dict[str, SourceFile] = {}
        named, digest = governance.stamp(model)
        self.made = LoadProvenance(
            load_id=load_id, job=options.job or f"ingest {table}", mode=options.mode, keys=options.keys,
            metadata=dict(options.metadata), schema=named, schema_hash=digest)

    def __call__(self) -> Commit:
        self.hashed = {uri: SourceFile(uri, src.size, d.checksum())
                       for src in self.todo if (d := self.digests.get(uri := src.uri)) is not None}
        files = tuple(self.known.get(src.uri) or self.hashed[src.uri] for src in self.todo)
        checksums = [f.checksum for f in files]
        if len(set(checksums)) < len(checksums) or (self.dt is not None and any(
                self.dt.transaction_version(file_app_id(f)) is not None for f in files)):
            raise _learned()
        self.made = dataclasses.replace(self.made, files=files)
        indexes.check("loads", [load_row(self.table, 0, 0, 0, self.made, now())])
        return self.made.commit({file_app_id(fp): 1 for fp in files})


def load_row(table: str, version: int, rows: int, quarantined: int, made: LoadProvenance,
             committed_at: datetime) -> dict[str, Any]:
    """The ``_lakekit/loads`` row of a committed load, from its commit's provenance."""
    return {
        "table": table, "load_id": made.load_id, "version": version, "job": made.job, "mode": made.mode,
        "files": [f.asdict() for f in made.files], "rows": rows, "quarantined": quarantined,
        "metadata": made.metadata, "lakekit_version": made.lakekit_version, "git_commit": made.git_commit,
        "user": made.user, "host": made.host, "committed_at": committed_at,
    }


def _target_schema(table: str, dt: DeltaTable | None, readers: Sequence[tuple[Source, pa.RecordBatchReader]],
                   options: IngestOptions) -> pa.Schema:
    if dt is not None:
        base = pa.schema(dt.schema().to_arrow())
        fixed = True
    else:
        base = pa.schema([])
        fixed = False
    for src, reader in readers:
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
    return metadata.read(storage, "loads", where=metadata.of_table(table)).sort_by([("version", "ascending")])
