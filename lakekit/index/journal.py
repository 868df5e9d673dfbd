"""Index rows kept as small journal files until they are folded into their index table.

A model run records its start, its reads and its end. Committing each to a Delta table costs
more as the table's log grows; writing each as one small Arrow file under
``_lakekit/journal/<name>/`` costs the same at the 10th run and the 10,000th. The files are
named by the time they were written (:func:`lakekit.index.provenance.new_id`), and from time to
time a writer folds the older ones into the index table in one commit
(:func:`lakekit.write.indexes.fold`), whose app transaction ``lakekit-journal:<name>`` records
the *watermark*: the newest entry time folded. An entry at or below the watermark is in the
table (a fold killed before it deleted the entries leaves them, and they are skipped, then
deleted by the next fold); an entry above it is read from its file. Entries are only folded once
they are :data:`GRACE` old, so an entry written while a fold runs is never under its watermark.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.ipc as ipc
from deltalake import DeltaTable

from lakekit.index.formats import readable
from lakekit.storage.delta import META_NAMESPACE, Storage

FOLDER = f"{META_NAMESPACE}/journal"
NAMES = ("runs", "run_inputs", "transform_runs")
"""The index tables written through a journal: those every model run and every transform writes to."""
GRACE = timedelta(seconds=10)
"""How old an entry must be before a fold takes it: far longer than writing one takes."""
SUFFIX = ".arrow"
FORMAT_KEY = b"lakekit.format"
"""The key of an entry's schema metadata holding the format it is written in (none: format 2, the
first with a journal)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def app_id(name: str) -> str:
    """The app transaction of ``_lakekit/<name>`` whose version is the journal's watermark."""
    return f"lakekit-journal:{name}"


def watermark(snapshot: DeltaTable | None, name: str) -> int:
    """The time (µs since the epoch) of the newest entry folded into ``snapshot``."""
    return (snapshot.transaction_version(app_id(name)) or 0) if snapshot is not None else 0


def entry_time(entry: str) -> int:
    """µs since the epoch at which an entry was written, from its name (``20261207T031500.123456Z-ab12``)."""
    when = datetime.strptime(entry[:22], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    return (when - _EPOCH) // timedelta(microseconds=1)


def due(storage: Storage, name: str) -> list[str]:
    """The entries of the journal of ``name`` old enough (:data:`GRACE`) to be folded, oldest first.
    An entry's name starts with its time at a fixed width, so names sort as times do."""
    found = entries(storage, name)
    limit = f"{datetime.now(UTC) - GRACE:%Y%m%dT%H%M%S.%f}"
    return found[:bisect.bisect_right(found, limit, key=lambda entry: entry[:len(limit)])]


def folder(storage: Storage, name: str) -> pafs.FileSystem:
    return storage.folder_fs(f"{FOLDER}/{name}")


def entries(storage: Storage, name: str) -> list[str]:
    """The entries of the journal of ``name``, oldest first."""
    found = folder(storage, name).get_file_info(pafs.FileSelector("", allow_not_found=True))
    return sorted(i.base_name for i in found if i.base_name.endswith(SUFFIX) and not i.base_name.startswith("."))


def load(storage: Storage, name: str, names: Sequence[str]) -> list[tuple[str, pa.Table]]:
    """The rows of the entries ``names`` (an entry deleted meanwhile, folded by another process, is left out)."""
    fs = folder(storage, name)
    out = []
    for entry in names:
        try:
            with fs.open_input_file(entry) as f:
                rows = ipc.open_file(f).read_all()
        except FileNotFoundError:
            continue
        readable(f"{FOLDER}/{name}/{entry}", int((rows.schema.metadata or {}).get(FORMAT_KEY, b"2")))
        out.append((entry, rows.replace_schema_metadata(None)))
    return out


def pending(storage: Storage, name: str, snapshot: DeltaTable | None,
            loaded: Sequence[tuple[str, pa.Table]]) -> list[pa.Table]:
    """Of entries ``loaded`` before ``snapshot`` was opened, the rows it does not hold yet."""
    mark = watermark(snapshot, name)
    return [rows for entry, rows in loaded if entry_time(entry) > mark]
