"""Appending rows to lakekit's index tables under ``<root>/_lakekit/`` (what they hold and how
they are read: :mod:`lakekit.index`).

Rows are checked against their Arrow schema (types, the columns that must hold a value, keys)
with pyarrow before they are written, and committed through
:func:`lakekit.write.commit.commit_once` like every other write. An index table gains one small
file and one log entry per append, so it is checkpointed and compacted as it grows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.ipc as ipc
from deltalake import DeltaTable

from lakekit.core import values
from lakekit.core.results import ValidationReport
from lakekit.errors import Conflict, InternalError
from lakekit.index import journal, metadata
from lakekit.index.formats import FORMAT
from lakekit.index.metadata import LOOKUP_COLUMNS, SCHEMAS
from lakekit.index.provenance import new_id
from lakekit.storage.delta import META_NAMESPACE, Commit, Storage
from lakekit.storage.scan import rows_where
from lakekit.write import migrate
from lakekit.write.commit import commit_once

COMPACT_EVERY = 50
"""Commits between two compactions of an index table."""
CHECKPOINT_EVERY = 10
"""Commits between two checkpoints of an index table's log."""


def append(storage: Storage, name: str, table: pa.Table, *, once_by: str | None = None) -> None:
    """Append rows to ``_lakekit/<name>`` (created on first use), after checking them.

    With ``once_by`` (a column identifying rows, e.g. ``load_id``), a row whose key was
    appended before, by any process, is dropped: each key is an app transaction of the commit
    that appended it, checked absent in the snapshot the commit is made on. So an ingest
    indexing its load and a reader healing the index from the same commit write one row.
    """
    table = _checked(name, table)
    full = f"{META_NAMESPACE}.{name}"

    def attempt(base: DeltaTable | None) -> int | None:
        todo, commit = table, Commit()
        if once_by is not None:
            keys = pc.unique(table.column(once_by).combine_chunks())  # a transform's lineage rows share one id
            fresh = [base is None or base.transaction_version(f"lakekit-{name}:{k}") is None for k in keys.to_pylist()]
            if not any(fresh):
                return None
            if not all(fresh):
                keys = keys.filter(values.array(fresh, pa.bool_()))
                todo = table.filter(pc.is_in(table.column(once_by), value_set=keys))
            commit = Commit(transactions={f"lakekit-{name}:{k}": 1 for k in keys.to_pylist()}, exclusive=True)
        return storage.write(full, todo, mode="append", commit=commit, base=base,
                             configuration=None if base is not None else _index_properties(name))

    _committed(storage, full, commit_once(storage, full, attempt, kept=True))


FOLD_EVERY = 100
"""Journal entries (old enough to fold) that make the writer of the next one fold them."""


def note(storage: Storage, name: str, table: pa.Table) -> None:
    """Add rows to ``_lakekit/<name>`` without a commit: one journal entry, seen by every reader
    at once (:mod:`lakekit.index.journal`); every :data:`FOLD_EVERY` entries the writer folds the
    journal into the table. The cost stays the same however many rows the table holds."""
    table = _checked(name, table)
    storage.folder_fs(META_NAMESPACE).create_dir(journal.FOLDER.split("/", 1)[1] + f"/{name}", recursive=True)
    fs = journal.folder(storage, name)
    entry = f"{new_id()}{journal.SUFFIX}"
    if "://" in storage.root:  # an object is visible only once it is whole
        _write_entry(fs, entry, table)
    else:  # a local file is visible while it is written: written beside, then renamed
        _write_entry(fs, f".{entry}", table)
        fs.move(f".{entry}", entry)
    if len(journal.due(storage, name)) >= FOLD_EVERY:
        fold(storage, name)


def _write_entry(fs: pafs.FileSystem, path: str, table: pa.Table) -> None:
    table = table.replace_schema_metadata({journal.FORMAT_KEY: str(FORMAT)})
    with fs.open_output_stream(path) as f, ipc.new_file(f, table.schema) as writer:
        writer.write_table(table)


def fold(storage: Storage, name: str) -> None:
    """Move the journal entries of ``name`` old enough (:data:`lakekit.index.journal.GRACE`) into
    the table in one commit that raises its watermark, then delete them."""
    loaded = journal.load(storage, name, journal.due(storage, name))
    if not loaded:
        return
    full = f"{META_NAMESPACE}.{name}"
    mark = max(journal.entry_time(e) for e, _ in loaded)

    def attempt(base: DeltaTable | None) -> int | None:
        fresh = journal.pending(storage, name, base, loaded)
        if not fresh:
            return None
        commit = Commit(transactions={journal.app_id(name): mark}, exclusive=True)
        return storage.write(full, pa.concat_tables(fresh), mode="append", commit=commit, base=base,
                             configuration=None if base is not None else _index_properties(name))

    version = commit_once(storage, full, attempt, kept=True)
    fs = journal.folder(storage, name)
    for entry, _ in loaded:  # all at or below the table's watermark now
        with contextlib.suppress(FileNotFoundError):
            fs.delete_file(entry)
    _committed(storage, full, version)


def _committed(storage: Storage, full: str, version: int | None) -> None:
    """After an append made ``version`` (None: nothing was appended) of an index table."""
    if version == 0:  # delta-rs takes no property of ours in the commit that creates a table
        migrate.upgrade(storage, full)
    elif version is not None:
        _housekeep(storage, full, version)


def check(name: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Refuse records ``_lakekit/<name>`` would refuse: a writer checks its index rows (drafts, with
    the version still unknown) before its data commit, so no commit is left without its rows."""
    _checked(name, metadata.rows(name, records))


NAMED = {"loads": ("table",), "validations": ("table",), "transforms": ("table",),
         "lineage": ("source_table", "target_table"), "run_inputs": ("table",), "run_outputs": ("table",)}
"""The columns of each index table that name a data table."""


def rename_table(storage: Storage, old: str, new: str) -> None:
    """Make every index row naming table ``old`` name ``new`` (``lakekit repair`` renaming a table
    an older lakekit made under a name the grammar now refuses). Each index table is rewritten in
    one commit, and only when it names ``old``; doing it again changes nothing."""
    for name, named in NAMED.items():
        full = f"{META_NAMESPACE}.{name}"

        def attempt(base: DeltaTable | None, full: str = full, named: tuple[str, ...] = named) -> None:
            if base is None:
                return
            rows = rows_where(base, full, None)
            if not any(pc.any(pc.equal(rows.column(c), old)).as_py() for c in named):
                return
            for column in named:
                at = rows.schema.get_field_index(column)
                rows = rows.set_column(at, column, pc.if_else(pc.equal(rows.column(column), old), new,
                                                              rows.column(column)))
            storage.write(full, rows, mode="overwrite", commit=Commit(exclusive=True), base=base)

        commit_once(storage, full, attempt)


def record_validation(storage: Storage, report: ValidationReport) -> None:
    """Index a validation verdict in ``_lakekit/validations``."""
    row = {**report.asdict(), "validated_at": datetime.now(UTC)}
    append(storage, "validations", metadata.rows("validations", [row]))


def _checked(name: str, rows: pa.Table) -> pa.Table:
    """Rows as ``_lakekit/<name>`` holds them: cast to its Arrow schema, a value in each column
    :data:`lakekit.index.metadata.NULLABLE` does not name, each key of
    :data:`lakekit.index.metadata.UNIQUE` once. lakekit writes these rows itself, so their types and
    presence are all there is to check (pyarrow only: pandera is for the users' schemas). A failing
    row is lakekit's own mistake: :class:`InternalError`."""
    schema = SCHEMAS[name]
    failing = sorted(set(rows.column_names) ^ set(schema.names))
    if not failing:
        try:
            rows = rows.select(schema.names).cast(schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            failing = [f.name for f in schema if not rows.schema.field(f.name).type.equals(f.type)]
    if not failing:
        optional = metadata.NULLABLE.get(name, frozenset())
        failing = [c for c in schema.names if c not in optional and rows.column(c).null_count]
        key = metadata.UNIQUE.get(name)
        if key is not None and pc.count_distinct(rows.column(key), mode="all").as_py() < rows.num_rows:
            failing.append(key)
    if failing:
        raise InternalError(f"malformed {META_NAMESPACE}.{name} row (columns: {', '.join(failing)})")
    return rows


def _index_properties(name: str) -> dict[str, str]:
    """An index table is rebuilt from the data tables' commits, never read at an old version.

    Its log is kept five minutes: delta-rs lists a local ``_delta_log`` whole on every commit,
    so a log kept longer makes each append slower by the commits it keeps (2,000 commits an
    hour: 8 → 40 ms). Tombstones of compacted files are kept an hour (a reader's snapshot stays
    readable; they cost nothing), and compaction vacuums the files older than that. Statistics
    cover the lookup column only (a third of the cost of an append is collecting them).
    """
    return {"delta.logRetentionDuration": "interval 5 minutes",
            "delta.deletedFileRetentionDuration": "interval 1 hours",
            "delta.dataSkippingStatsColumns": LOOKUP_COLUMNS[name]}


def _housekeep(storage: Storage, full: str, version: int) -> None:
    """Every ``CHECKPOINT_EVERY`` commits an index table's log is checkpointed, every
    ``COMPACT_EVERY`` its files are merged too, so appending and reading stay flat as it grows.
    A clash with another process's compaction leaves the work to that one."""
    if version and version % COMPACT_EVERY == 0:
        try:
            storage.compact(full)
            storage.vacuum(full, retention_hours=1, dry_run=False, keep_versions=())
        except Conflict:
            return
    elif version and version % CHECKPOINT_EVERY == 0:
        storage.checkpoint(full)


def rewrite_entry(storage: Storage, name: str, entry: str, table: pa.Table | None) -> None:
    """Replace one journal entry of ``_lakekit/<name>`` whole (an erasure redacting it), or delete it
    (``table`` None or empty). An entry folded and deleted meanwhile comes back at or below the
    watermark: readers skip it and the next fold deletes it."""
    fs = journal.folder(storage, name)
    if table is None or table.num_rows == 0:
        with contextlib.suppress(FileNotFoundError):
            fs.delete_file(entry)
        return
    table = table.cast(SCHEMAS[name])
    if "://" in storage.root:
        _write_entry(fs, entry, table)
    else:
        _write_entry(fs, f".{entry}", table)
        fs.move(f".{entry}", entry)
