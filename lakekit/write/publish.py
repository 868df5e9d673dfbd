"""Write-audit-publish: a stream of rows becomes one new table version, validated first.

Shared by every write path (ingest, transforms, run outputs). The rows stream through the
table's schema auditor into a :class:`~lakekit.write.spool.Spool`: rows that pass are kept,
rows that fail go to quarantine (under ``"quarantine"``), abort the write (``"fail"``) or are
kept anyway (``"warn"``). Only when every row has been read and checked does delta-rs get them,
so a failure leaves the table as it was. A write whose commit is decided after its rows (an
ingest, :mod:`lakekit.storage.staged`) streams them straight into staged files instead: a failure
deletes those, and the rows are read and written once. The verdict is recorded in
``_lakekit/validations`` for the version the commit made.

A write whose rows an engine has already written as Parquet files into a staged folder of the
table (``written``: Spark, :mod:`lakekit.transform.engines`) goes through the same steps, and
delta-rs then commits those files as they are when no row changes: no row quarantined, the
files' schema already the table's, an append or overwrite. Without a schema to audit, no row is
read at all. Otherwise (a merge, a stamped column, quarantined rows, types to convert) the rows
read back from the files are written by delta-rs, and the staged files are deleted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyarrow as pa
from deltalake import DeltaTable

from lakekit.core import values
from lakekit.core.evolution import conform
from lakekit.core.model import Model, OnInvalid, pii_columns
from lakekit.core.results import ValidationReport, WriteMode
from lakekit.errors import UsageError
from lakekit.storage import staged
from lakekit.storage.delta import Commit, Storage
from lakekit.write import governance, indexes, quarantine, validate
from lakekit.write.spool import Spool

if TYPE_CHECKING:
    from lakekit.write import audit

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Target:
    """Where and how rows are published."""

    table: str
    mode: WriteMode = "append"
    keys: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ()
    model: Model | None = None
    on_invalid: OnInvalid | None = None
    replace_schema: bool = False
    updates: tuple[str, ...] | None = None
    personal: tuple[str, ...] = ()
    """Columns holding personal data besides those the model tags (copied from a tagged input)."""
    replaces: tuple[str, ...] = ()
    """Files of the base (their paths in :mod:`lakekit.storage.fileset`) whose rows the rows written
    take the place of: an append whose commit also removes them (an UPDATE or DELETE rewriting the
    files holding the rows it picks)."""


@dataclass(frozen=True)
class Published:
    """What one publication committed."""

    version: int
    rows: int
    quarantined: int
    report: ValidationReport | None


def configuration(target: Target, schema: pa.Schema) -> dict[str, str] | None:
    """Table properties for a new table: no min/max statistics on personal-data columns (tagged
    by the model, or copied from a tagged input), and no partitions by them.

    delta-rs writes min/max of every column into each add action of the log, where an erased
    identifier would outlive its rows; the property only covers commits after it is set, so
    it is set when the table is created. Partition values are folder names, in every path.
    """
    personal = set(target.personal) | (set(pii_columns(target.model)) if target.model is not None else set())
    if partitioned := sorted(personal & set(target.partition_by)):
        raise UsageError(f"'{target.table}' cannot be partitioned by '{partitioned[0]}': it holds personal data, "
                         "and partition values are written into every file path")
    if not personal:
        return None
    return {"delta.dataSkippingStatsColumns": ",".join(c for c in schema.names if c not in personal)}


def check_drift(target: Target, parts: Sequence[tuple[str, pa.Schema]]) -> None:
    """Refuse sources whose columns do not fit the target's schema, before anything is read."""
    if target.model is not None:
        for uri, schema in parts:
            validate.check_drift(target.model, schema, source=uri)


def check_keys(target: Target, base: pa.Schema | None, parts: Sequence[tuple[str, pa.Schema]]) -> None:
    """Refuse a merge whose keys are not columns of every source and of the table, before anything is read."""
    if target.mode != "merge":
        return
    for uri, schema in parts:
        if missing := [k for k in target.keys if k not in schema.names]:
            raise UsageError(f"merge key '{missing[0]}' is not a column of {uri}")
    if base is not None and (missing := [k for k in target.keys if k not in base.names]):
        raise UsageError(f"merge key '{missing[0]}' is not a column of '{target.table}'")


class _Keys:
    """The merge keys of the rows streamed so far: each must be set and appear once, or the merge
    would insert a row twice (a key no row matches yet) or fail in delta-rs (one that does)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.seen: list[pa.Table] = []

    def add(self, batch: pa.RecordBatch) -> None:
        if self.target.mode == "merge":
            self.seen.append(pa.Table.from_batches([batch]).select(list(self.target.keys)))

    def check(self) -> None:
        if not self.seen:
            return
        import polars as pl

        frame = pl.from_arrow(pa.concat_tables(self.seen))
        assert isinstance(frame, pl.DataFrame)
        for key in self.target.keys:
            if nulls := frame.get_column(key).null_count():
                raise UsageError(f"merge key '{key}' is empty in {nulls} incoming row(s) of '{self.target.table}'")
        repeated = frame.is_duplicated()
        if repeated.any():
            rows = ", ".join(str(i + 1) for i in repeated.arg_true().head(5).to_list())
            raise UsageError(f"merge keys ({', '.join(self.target.keys)}) repeat in the incoming rows of "
                             f"'{self.target.table}' (rows {rows}): each key must come once")


def _prior(storage: Storage, target: Target, base: DeltaTable | None) -> pa.Table | None:
    """The unique columns' values the new version keeps from the current one (an overwrite keeps
    none); for a merge, with the merge keys of the rows holding them."""
    if target.model is None or base is None or target.mode == "overwrite":
        return None
    have = set(pa.schema(base.schema().to_arrow()).names)
    columns = [c for c in validate.prior_columns(target.model) if c in have]
    if not columns:
        return None
    keys = [k for k in target.keys if k not in columns] if target.mode == "merge" else []
    if not have.issuperset(keys):
        return None
    if not target.replaces:
        return storage.read(target.table, base.version(), columns=columns + keys)
    import pyarrow.dataset as pads

    files = storage.dataset(target.table, snapshot=base)  # the unique values of the files kept
    assert isinstance(files, pads.FileSystemDataset)
    replaced = set(target.replaces)  # a fragment's path may carry the filesystem's root in front
    kept = [f for f in files.get_fragments()
            if f.path not in replaced and not any(f.path.endswith(f"/{path}") for path in replaced)]
    return pads.FileSystemDataset(kept, files.schema, files.format, files.filesystem).to_table(columns=columns)


class _Publication:
    """The mutable side of one publication: counts, rejected rows, the verdict."""

    def __init__(self) -> None:
        self.rows = 0
        self.rejected: list[pa.Table] = []
        self.quarantined = 0
        self.report: ValidationReport | None = None
        self.adopted = False
        """Files an engine staged were committed as they are (they must stay)."""


def publish(
    storage: Storage,
    target: Target,
    *,
    base: DeltaTable | None,
    schema: pa.Schema,
    parts: Sequence[tuple[str, pa.RecordBatchReader]],
    write_id: str,
    stamp: str | None,
    commit: Commit | Callable[[], Commit],
    progress: Progress | None = None,
    written: str | None = None,
) -> Published:
    """Commit ``parts`` (source name, batches) as one version of ``target.table`` on top of ``base``.

    ``write_id`` names this write (a load id, a transform id); when ``stamp`` names a column,
    every row carries the id in it (``_load_id``). ``commit`` may be a function asked for the
    commit once every row is written (an append or overwrite in ``base``'s schema, or a new
    table): the rows are staged first (:mod:`lakekit.storage.staged`). Raises
    :class:`~lakekit.errors.Conflict` when another writer committed first: the caller decides
    whether its work is still to be done and calls again. ``written``: a staged folder of the table
    holding exactly the rows of ``parts`` (one part), committed as it is or deleted (see the
    module's docstring).
    """
    pub = _Publication()
    try:
        current = pa.schema(base.schema().to_arrow()) if base is not None else None
        check_keys(target, current, [(uri, reader.schema) for uri, reader in parts])
        schema = governance.tagged(schema, target.model, current)
        auditor = None
        if target.model is not None:
            from lakekit.write import audit

            auditor = audit.Auditor(target.model, prior=_prior(storage, target, base),
                                       on_invalid=target.on_invalid, source=target.table,
                                       replaces=target.keys if target.mode == "merge" else ())
        tag = (stamp, write_id) if stamp else None
        batches = _batches(storage, target, schema, parts, tag, write_id, auditor, pub, progress)
        config = configuration(target, schema) if base is None else None
        adoptable = written if written is not None and _unchanged(target, base, schema, parts, stamp) else None
        if adoptable is not None and auditor is None and not callable(commit):
            version = _adopt(storage, target, pub, base, schema, adoptable, commit, config)
        elif callable(commit) or target.replaces:  # staged files go when the stream fails: nothing to hold back
            version = _write_staged(storage, target, base, _Failing(schema, batches),
                                    commit if callable(commit) else lambda: commit, config)
        else:
            with Spool(schema) as spool:
                for batch in batches:
                    spool.add(batch)
                if adoptable is not None and not pub.rejected:
                    version = _adopt(storage, target, pub, base, schema, adoptable, commit, config)
                else:
                    version = _write(storage, target, base, spool.reader(), commit, config)
        report = dataclasses.replace(pub.report, version=version) if pub.report is not None else None
        if auditor is not None and report is not None:
            if pub.quarantined:
                quarantine.flush(storage, target.table, {write_id}, pii=pii_columns(auditor.model))
            indexes.record_validation(storage, report)
        return Published(version, pub.rows, pub.quarantined, report)
    finally:
        if written is not None and not pub.adopted:
            staged.discard(storage, staged.Staged(target.table, written, (), 0))


def _unchanged(target: Target, base: DeltaTable | None, schema: pa.Schema,
               parts: Sequence[tuple[str, pa.RecordBatchReader]], stamp: str | None) -> bool:
    """Whether rows that pass the audit land exactly as the parts hold them, so files holding them
    can be committed as they are: an unpartitioned append or overwrite in the parts' own schema."""
    if target.mode == "merge" or stamp is not None or len(parts) != 1:
        return False
    if (base is not None and base.metadata().partition_columns) or target.partition_by:
        return False
    if base is not None and target.mode == "overwrite" and not _same(pa.schema(base.schema().to_arrow()), schema):
        return False  # a new schema needs the metadata action delta-rs writes only when it writes the rows
    return _same(parts[0][1].schema, schema)


def _same(a: pa.Schema, b: pa.Schema) -> bool:
    """Same column names and types (metadata and nullability aside)."""
    return a.names == b.names and all(x.type == y.type for x, y in zip(a, b, strict=True))


def _adopt(storage: Storage, target: Target, pub: _Publication, base: DeltaTable | None, schema: pa.Schema,
           written: str, commit: Commit, config: Mapping[str, str] | None) -> int:
    """Commit the Parquet files of the staged folder ``written`` as they are (statistics from footers)."""
    settings = dict(base.metadata().configuration) if base is not None else dict(config or {})
    files = staged.adopt(storage, target.table, written, settings)
    mode: Literal["append", "overwrite"] = "overwrite" if target.mode == "overwrite" else "append"
    version = staged.commit(storage, files, base=base, mode=mode, schema=schema, partition_by=(),
                            configuration=config, make_commit=lambda: commit)
    pub.adopted = True
    pub.rows = files.rows
    return version


def _stamped(reader: pa.RecordBatchReader, tag: tuple[str, str] | None) -> Iterator[pa.RecordBatch]:
    """The batches with the column ``tag[0]`` holding ``tag[1]`` in every row: slices of one column
    made once (a column made per batch cost a JSON read and a fresh buffer each, and ~3,600 thread
    hand-offs on a 2M-row load)."""
    if tag is None:
        yield from reader
        return
    column = values.array([tag[1]], pa.string())
    for batch in reader:
        if len(column) < batch.num_rows:
            column = pa.repeat(column[0], max(batch.num_rows, 2 * len(column)))
        yield batch.append_column(tag[0], column.slice(0, batch.num_rows))


def _batches(storage: Storage, target: Target, schema: pa.Schema, parts: Sequence[tuple[str, pa.RecordBatchReader]],
             tag: tuple[str, str] | None, write_id: str, auditor: audit.Auditor | None, pub: _Publication,
             progress: Progress | None) -> Iterator[pa.RecordBatch]:
    keys = _Keys(target)
    for uri, reader in parts:
        stamped = _stamped(reader, tag)
        valid: Iterator[pa.RecordBatch] = stamped if auditor is None else _audited(auditor, stamped, uri, write_id, pub)
        for batch in valid:
            keys.add(batch)
            yield conform(batch, schema, table=target.table, uri=uri)
            pub.rows += batch.num_rows
            if progress is not None:
                progress(uri, pub.rows)
    keys.check()
    if auditor is not None:
        pub.report = auditor.report()
        validate.enforce(pub.report, auditor.policy)
        pub.quarantined = quarantine.stage(storage, target.table, pub.rejected, load_id=write_id)


def _audited(auditor: audit.Auditor, batches: Iterator[pa.RecordBatch], uri: str, write_id: str,
             pub: _Publication) -> Iterator[pa.RecordBatch]:
    for audited in auditor.audit_stream(batches):
        if audited.rejected.num_rows:
            rejected = audited.rejected
            if quarantine.LOAD_ID not in rejected.column_names:  # unstamped writes (transforms, runs)
                rejected = rejected.append_column(
                    quarantine.LOAD_ID, pa.repeat(pa.scalar(write_id, pa.string()), rejected.num_rows))
            pub.rejected.append(rejected.append_column(
                quarantine.SOURCE, pa.repeat(pa.scalar(uri, pa.string()), rejected.num_rows)))
        yield from audited.valid.to_batches()


def _write(storage: Storage, target: Target, base: DeltaTable | None, stream: pa.RecordBatchReader,
           commit: Commit, config: Mapping[str, str] | None) -> int:
    if target.mode == "merge" and base is not None:
        return storage.merge(target.table, stream, keys=target.keys, commit=commit, base=base,
                             updates=target.updates)
    mode: Literal["append", "overwrite"] = "overwrite" if target.mode == "overwrite" else "append"
    return storage.write(target.table, stream, mode=mode, commit=commit, base=base,
                         partition_by=target.partition_by, configuration=config, replace_schema=target.replace_schema)


class _Failing:
    """The batches of a publication as the stream delta-rs reads, keeping the error that stopped
    them: delta-rs reports a failing stream in its own words, :meth:`reraise` gives lakekit's."""

    def __init__(self, schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
        self.error: Exception | None = None
        self.reader = pa.RecordBatchReader.from_batches(schema, self._kept(batches))

    def _kept(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except Exception as e:
            self.error = e
            raise


def _write_staged(storage: Storage, target: Target, base: DeltaTable | None, stream: _Failing,
                  commit: Callable[[], Commit], config: Mapping[str, str] | None) -> int:
    if target.mode == "merge" or target.replace_schema:
        raise UsageError(f"a {target.mode} of '{target.table}' cannot decide its commit after writing")
    mode: Literal["append", "overwrite"] = "overwrite" if target.mode == "overwrite" else "append"
    partition_by = tuple(base.metadata().partition_columns) if base is not None else target.partition_by
    settings = dict(base.metadata().configuration) if base is not None else dict(config or {})
    try:
        written = staged.stage(storage, target.table, stream.reader, partition_by=partition_by, configuration=settings)
    except Exception:
        if stream.error is not None:
            raise stream.error from None
        raise
    try:
        return staged.commit(storage, written, base=base, mode=mode, schema=stream.reader.schema,
                             partition_by=partition_by, configuration=config, make_commit=commit,
                             replaces=target.replaces)
    except BaseException:
        staged.discard(storage, written)
        raise
