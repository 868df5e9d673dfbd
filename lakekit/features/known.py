"""When the lake knew each row of a table version: the version that first held it, from the log.

A row's *first-known version* is the oldest version from which a row with the same content (the
entity keys, event time and requested features) is in every version up to the pinned one; its
*commit time* is that version's commit timestamp (the latest of those up to it, should clocks
have gone back). Appends are exact from the log alone: each data file is added by one commit,
so its rows are known from that version. Commits that rewrite files — a merge copying the
rows it does not change, a delete, an overwrite restating rows, a compaction — remove files and
add others; a row that was in a removed file of the version before and is in an added one was
known all along. So when a table's log shows removed files, the rows of those files are read
too, and each content's spans of versions ([added, removed) per file holding it) are joined
into islands: the island that reaches the pinned version starts at the first-known version.

A value changed by an update counts from the update: its old value is no longer in the pinned
version, so it is not used either. Files that are gone (vacuumed, erased) cannot be read: rows
rewritten out of them count from the rewrite, which is later than the truth, never earlier, so
no label sees a row before the lake held it. Rows the oldest loadable version already had
(older log entries cleaned up) count from that version, for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from lakekit.storage import log
from lakekit.storage.delta import Storage
from lakekit.storage.log import FileSpan

if TYPE_CHECKING:
    import pyarrow.dataset as pads


ADDED = "__lakekit_added"
REMOVED = "__lakekit_removed"


@dataclass(frozen=True)
class Versioned:
    """A table version's rows as datasets: the live files (each row with the version that added
    its file, column :data:`ADDED`) and, when the log removed files before it, those files (with
    :data:`ADDED` and :data:`REMOVED`)."""

    table: str
    version: int
    live: pads.Dataset
    removed: pads.Dataset | None
    commits: pa.Table
    """``version`` → ``committed_ns``: each version's commit time (ns since the epoch, UTC)."""


def versioned(storage: Storage, table: str, version: int) -> Versioned:
    """The rows of ``table`` at ``version`` with the versions that added their files."""
    import pyarrow.dataset as pads

    first, _, spans = log.file_spans(storage, table, version)
    snapshot = storage.open(table, version)
    ds = storage.dataset(table, snapshot=snapshot)
    live = {s.path: s for s in spans if s.removed is None}
    fragments = [ds.format.make_fragment(f.path, ds.filesystem,
                                         partition_expression=f.partition_expression & _stamp(live[f.path]))
                 for f in ds.get_fragments()]
    schema = ds.schema.append(pa.field(ADDED, pa.int64()))
    ended = [s for s in spans if s.removed is not None]
    if ended:  # files vacuumed or erased since cannot be read: their rows are not looked for
        there = ds.filesystem.get_file_info([s.path for s in ended])
        ended = [s for s, info in zip(ended, there, strict=True) if info.type != pafs.FileType.NotFound]
    removed = None
    if ended:
        schema_removed = schema.append(pa.field(REMOVED, pa.int64()))
        partitions = snapshot.metadata().partition_columns
        removed = pads.FileSystemDataset(
            [ds.format.make_fragment(s.path, ds.filesystem,
                                     partition_expression=_partition(s, ds.schema, partitions) & _stamp(s))
             for s in ended], schema_removed, ds.format, ds.filesystem)
    return Versioned(table, version, pads.FileSystemDataset(fragments, schema, ds.format, ds.filesystem), removed,
                     _commit_times(storage, table, first, version))


def _stamp(span: FileSpan) -> pc.Expression:
    stamp = pc.field(ADDED) == pc.scalar(pa.scalar(span.added, pa.int64()))
    if span.removed is not None:
        stamp = stamp & (pc.field(REMOVED) == pc.scalar(pa.scalar(span.removed, pa.int64())))
    return stamp


def _partition(span: FileSpan, schema: pa.Schema, columns: Sequence[str]) -> pc.Expression:
    """The partition values of a file, as the log writes them, typed by the table's schema."""
    condition = pc.scalar(True)
    for column in columns:
        text = span.partition_values.get(column)
        kind = schema.field(column).type
        condition = condition & (pc.field(column).is_null() if text is None
                                 else pc.field(column) == pa.scalar(text).cast(kind))
    return condition


def _commit_times(storage: Storage, table: str, first: int, version: int) -> pa.Table:
    """Versions ``first``..``version`` → commit time in ns, never earlier than a previous version's."""
    stamps = {int(h["version"]): int(h["timestamp"]) for h in storage.history(table)}
    versions, times, latest = [], [], 0
    for v in range(first, version + 1):
        latest = max(latest, stamps.get(v, latest))
        versions.append(v)
        times.append(latest * 1_000_000)
    return pa.table({"version": pa.array(versions, pa.int64()), "committed_ns": pa.array(times, pa.int64())})
