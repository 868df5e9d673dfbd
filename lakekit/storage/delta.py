"""The lake's storage: a thin typed layer over delta-rs.

Each method translates its arguments and calls delta-rs once; delta-rs failures become lakekit
errors in :mod:`lakekit.storage.failures`. Where tables live: :mod:`lakekit.storage.roots`; the
log as a reader replays it: :mod:`lakekit.storage.log`; rows with filters: :mod:`lakekit.storage.scan`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError

from lakekit.core import names
from lakekit.errors import Conflict, LakekitError, TableNotFound, UsageError, VersionNotFound, masked
from lakekit.sources.formats import fsspec_options
from lakekit.storage import filesystems
from lakekit.storage.failures import engine, translated
from lakekit.storage.roots import glob_escape, table_folder
from lakekit.storage.scan import canonical_schema, quote, select_rows

if TYPE_CHECKING:
    import pyarrow.dataset as pads


META_NAMESPACE = "_lakekit"
SUBJECT_KEY_ENV = "LAKEKIT_SUBJECT_KEY"
NO_DATA_CHANGE = frozenset({"VACUUM START", "VACUUM END", "OPTIMIZE", "SET TBLPROPERTIES", "ADD CONSTRAINT",
                            "DROP CONSTRAINT", "UPDATE FIELD METADATA"})
"""The Delta operations (as delta-rs names them in a table's history) after which a table holds the
same rows: housekeeping of files, properties and constraints. Any other commit may change data."""
KEEP_HANDLE_SECONDS = 60.0
"""How long :meth:`Storage.latest` catches a kept handle up instead of opening the table anew:
below the five minutes lakekit's index tables keep their log, so the entries it catches up on
are never gone yet."""


def add_actions(dt: DeltaTable) -> pa.Table:
    """The add actions of an opened version, one row per file (``path``, ``partition``, ...).

    Read from delta-rs's Arrow stream directly: ``pa.table()`` of it first asks whether it is a
    pandas DataFrame, which imports pandas (~70 MB of a process's memory) into every reader.
    """
    return pa.RecordBatchReader.from_stream(dt.get_add_actions(flatten=False)).read_all()


@dataclass(frozen=True)
class Commit:
    """What goes into a commit besides data: provenance and app transactions.

    ``exclusive`` commits only on top of the snapshot the caller checked (no silent
    rebase onto a newer version): the atomic check-then-commit of exactly-once writes.
    """

    metadata: Mapping[str, str] = field(default_factory=dict)
    transactions: Mapping[str, int] = field(default_factory=dict)
    exclusive: bool = False

    def properties(self, *, exclusive: bool) -> CommitProperties:
        return CommitProperties(
            custom_metadata=dict(self.metadata),
            app_transactions=[Transaction(app, v) for app, v in self.transactions.items()] or None,
            max_commit_retries=0 if exclusive else 50,
        )


@dataclass(frozen=True)
class Storage:
    """One lake root and the storage options delta-rs needs for it."""

    root: str
    options: Mapping[str, str] = field(default_factory=dict)
    _kept: threading.local = field(default_factory=threading.local, compare=False, repr=False)

    def uri(self, table: str) -> str:
        return f"{self.root}/{table_folder(table)}"

    def _opts(self) -> dict[str, str] | None:
        return dict(self.options) or None

    def exists(self, table: str) -> bool:
        if self._missing(table):
            return False
        uri = self.uri(table)
        with engine(table, "open"):
            return DeltaTable.is_deltatable(uri, storage_options=self._opts())

    def _missing(self, table: str) -> bool:
        """Whether ``table`` is surely not there: a local table without a log folder, told by one stat
        on this thread. Each delta-rs call waits for a thread of its runtime: a search asking after
        the absent index tables costs wall time on a busy machine, not CPU."""
        return "://" not in self.root and not (Path(self.uri(table)) / "_delta_log").is_dir()

    def open(self, table: str, version: int | None = None) -> DeltaTable:
        """The table at ``version`` (latest when None).

        A version the table never reached is refused before delta-rs looks for it: delta-rs takes
        time proportional to the version number asked for (~20 s for 10⁸)."""
        held = self._pins().get(table)
        if held is not None and version in (None, held[0].version()):
            return held[0]
        uri = self.uri(table)
        if self._missing(table):
            raise TableNotFound(table)
        if version is not None and not self._may_have(table, version):
            raise VersionNotFound(table, f"version {version}")
        with engine(table, "open"):
            try:
                return DeltaTable(uri, version=version, storage_options=self._opts())
            except DeltaError:  # TableNotFoundError too: delta-rs says so of a version whose log is gone
                if version is not None and self.exists(table):
                    raise VersionNotFound(table, f"version {version}") from None
                raise TableNotFound(table) from None

    @contextlib.contextmanager
    def pinned(self, table: str) -> Iterator[None]:
        """Within the block, this thread reads ``table`` as one snapshot, opened once here: its
        latest version and its history (read once) as they were when the block began. For reads:
        :func:`lakekit.write.commit.commit_once` refuses to write to ``table`` in the block."""
        pins = self._pins()
        before = pins.get(table)
        pins[table] = (self.open(table), [])
        try:
            yield
        finally:
            if before is None:
                del pins[table]
            else:
                pins[table] = before

    def is_pinned(self, table: str) -> bool:
        """Whether this thread reads ``table`` as one snapshot (:meth:`pinned`)."""
        return table in self._pins()

    def _pins(self) -> dict[str, tuple[DeltaTable, list[list[dict[str, Any]]]]]:
        """Table → (its pinned snapshot, its history once read) for :meth:`pinned`, this thread's."""
        pins: dict[str, tuple[DeltaTable, list[list[dict[str, Any]]]]] = self._kept.__dict__.setdefault("pins", {})
        return pins

    def _may_have(self, table: str, version: int) -> bool:
        """Whether ``version`` can be a version of ``table``: its commit file is there, or it is not
        beyond the latest version (a version whose commit file was cleaned up after a checkpoint)."""
        if not 0 <= version < 2**63:
            return False
        return self.commit_file(table, version) is not None or version <= self.open(table).version()

    def latest(self, table: str) -> DeltaTable:
        """The latest version of one of lakekit's index tables, written and read on every load,
        transform and run: through a handle this thread keeps, brought up to date with the log's
        new entries (~1 ms) rather than opened anew (~5 ms, growing with the log). A table deleted
        since is noticed (its log is gone); one deleted and created again within
        :data:`KEEP_HANDLE_SECONDS` by another process is not."""
        kept: dict[str, tuple[float, DeltaTable]] = self._kept.__dict__.setdefault("handles", {})
        stamp, dt = kept.pop(table, (0.0, None))
        if dt is not None and time.monotonic() - stamp < KEEP_HANDLE_SECONDS and self._has_log(table):
            try:
                dt.update_incremental()
                kept[table] = (stamp, dt)
                return dt
            except DeltaError:
                pass
        dt = self.open(table)
        kept[table] = (time.monotonic(), dt)
        return dt

    def commit_file(self, table: str, version: int) -> pafs.FileInfo | None:
        """The commit file of ``version`` in ``table``'s log; None when it is not there, or the
        lake's filesystem is not one pyarrow reads itself."""
        fs = self._arrow_fs(table)
        info = None if fs is None else fs.get_file_info(f"_delta_log/{version:020d}.json")
        return info if info is not None and info.type == pafs.FileType.File else None

    def commit_stamp(self, table: str, version: int) -> int | None:
        """When the commit file of ``version`` in ``table``'s log was written (ns); None as :meth:`commit_file`."""
        info = self.commit_file(table, version)
        return None if info is None else info.mtime_ns

    def _has_log(self, table: str) -> bool:
        fs = self._arrow_fs(table)
        return fs is not None and fs.get_file_info("_delta_log").type != pafs.FileType.NotFound

    def files(self) -> tuple[Any, str]:
        """(fsspec filesystem, root path in it), listings fresh: for lakekit's own plain files."""
        fs, base = fsspec.core.url_to_fs(self.root, **fsspec_options(self.root, self.options))
        if hasattr(fs, "invalidate_cache"):
            fs.invalidate_cache()
        return fs, base.rstrip("/")

    def secret(self) -> bytes:
        """The key of the salted hashes that stand for data subjects: ``LAKEKIT_SUBJECT_KEY``, else
        ``_lakekit/subject.key`` (made on first use). Hashes made with one key match only hashes
        made with it: a lake keeps its key."""
        if key := os.environ.get(SUBJECT_KEY_ENV):
            return key.encode()
        fs, base = self.files()
        path = f"{base}/{META_NAMESPACE}/subject.key"
        if not fs.exists(path):
            fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            draft = f"{path}.{secrets.token_hex(8)}"
            with fs.open(draft, "wb") as f:
                f.write(secrets.token_hex(32).encode())
            if "://" in self.root:  # an object store: of processes making the key at once, the last one's stays
                fs.mv(draft, path)
            else:  # a local lake: the first key written is the key, for every process (a link never replaces)
                with contextlib.suppress(FileExistsError):
                    os.link(draft, path)
                fs.rm(draft)
        with fs.open(path, "rb") as f:
            return bytes(f.read())

    def present(self) -> bool:
        """Whether the lake exists: its local folder, or anything under its object-store prefix."""
        fs, base = self.files()
        return bool(fs.isdir(base) if "://" not in self.root else fs.exists(base))

    def make(self) -> None:
        """Create the lake: its local folder, or (an object store has no folders) ``_lakekit/lake.json``."""
        fs, base = self.files()
        if "://" not in self.root:
            fs.makedirs(base, exist_ok=True)
            return
        with fs.open(f"{base}/{META_NAMESPACE}/lake.json", "wb") as f:
            f.write(b'{"made_by": "lakekit"}\n')

    def tables(self, *, own: bool = False) -> list[str]:
        """Every ``ns.name`` with a Delta log under the root, lakekit's own excluded unless ``own``
        (and folders whose names are not table names: :meth:`misnamed`)."""
        return sorted(name for folder in self._folders() if names.valid(name := ".".join(folder))
                      and (own or not name.startswith(META_NAMESPACE + ".")))

    def misnamed(self) -> list[tuple[str, str]]:
        """``(namespace, name)`` folders holding a Delta table under a name the grammar refuses (made
        by an older lakekit, or by hand): no command can name them; ``lakekit repair`` renames them."""
        return sorted(folder for folder in self._folders() if not names.valid(".".join(folder)))

    def _folders(self) -> set[tuple[str, str]]:
        if "://" not in self.root:  # a local lake: two directory listings, no stat of every data file (fsspec's glob)
            return {(ns.name, t.name) for ns in Path(self.root).iterdir() if ns.is_dir()
                    for t in ns.iterdir() if (t / "_delta_log").is_dir()}
        fs, base = self.files()
        found = set()
        for path in fs.glob(f"{glob_escape(base)}/*/*/_delta_log"):
            namespace, name = path.rstrip("/").split("/")[-3:-1]
            found.add((namespace, name))
        return found

    def rename(self, folder: tuple[str, str], table: str) -> None:
        """Move the table in the folder ``namespace/name`` to ``table``'s folder (a local lake: one
        atomic rename; an object store has none, so it is refused there)."""
        target = Path(self.uri(table))
        if "://" in self.root:
            raise UsageError(f"an object store cannot rename a folder: copy it to {table_folder(table)}")
        if target.exists():
            raise UsageError(f"'{table}' exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        Path(self.root, *folder).rename(target)

    def resolve(self, table: str, version: int | None = None, as_of: datetime | str | None = None) -> int:
        """The version number meant by ``version`` or ``as_of`` (a datetime or ISO string); latest by default."""
        if version is not None and as_of is not None:
            raise UsageError("give version or as_of, not both")
        if as_of is None:
            return self.open(table, version).version()
        try:
            when = datetime.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        except ValueError:
            raise UsageError("as_of must be an ISO timestamp (YYYY-MM-DD, optionally THH:MM:SS and +HH:MM)") from None
        return self.version_at(table, when)

    def version_at(self, table: str, when: datetime, *, before: bool = False) -> int:
        """The latest version committed at or before ``when`` (strictly before, with ``before``)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        try:
            stamp = when.timestamp() * 1000
        except (OverflowError, ValueError, OSError):
            raise VersionNotFound(table, "version at that time") from None
        best = max((h["version"] for h in self.history(table)
                    if (h["timestamp"] < stamp if before else h["timestamp"] <= stamp)), default=None)
        if best is None:
            raise VersionNotFound(table, f"version {'before' if before else 'at or before'} {when.isoformat()}")
        return int(best)

    def history(self, table: str, limit: int | None = None) -> list[dict[str, Any]]:
        held = self._pins().get(table)
        if held is not None:
            if not held[1]:
                with engine(table, "read the history of"):
                    held[1].append(held[0].history())
            return held[1][0][:limit]
        dt = self.open(table)
        with engine(table, "read the history of"):
            return dt.history(limit)

    def dataset(self, table: str, version: int | None = None, *, snapshot: DeltaTable | None = None) -> pads.Dataset:
        """The Parquet files of one version (or of an opened ``snapshot``) as a pyarrow dataset
        (projection and filter pushdown).

        Files are read through pyarrow's own filesystems where there is one: delta-rs's Python
        filesystem handler can abort the interpreter at exit (seen with deltalake 1.6.6).
        """
        dt = snapshot if snapshot is not None else self.open(table, version)
        with engine(table, "read"):
            return dt.to_pyarrow_dataset(filesystem=self._arrow_fs(table))

    def _arrow_fs(self, table: str) -> pafs.FileSystem | None:
        return self._native_fs(self.uri(table))

    def _native_fs(self, uri: str) -> pafs.FileSystem | None:
        """pyarrow's own filesystem rooted at ``uri``, where it has one (local, S3)."""
        found = filesystems.native(uri, self.options)
        return None if found is None else pafs.SubTreeFileSystem(found[1], found[0])

    def summary(self, table: str) -> tuple[int, int, pa.Schema]:
        """The latest version of ``table``, its rows (counted from the files' metadata) and its schema
        in plain types, from one open of the table."""
        dt = self.open(table)
        ds = self.dataset(table, snapshot=dt)
        with engine(table, "read"):
            return dt.version(), ds.count_rows(), canonical_schema(ds.schema)

    def read(
        self,
        table: str,
        version: int | None = None,
        *,
        columns: Sequence[str] | None = None,
        filter: str | pc.Expression | None = None,
    ) -> pa.Table:
        """Rows of one version; ``filter`` is a pyarrow expression or a SQL predicate."""
        return select_rows(self.dataset(table, version), table, columns=columns, filter=filter)

    def write(
        self,
        table: str,
        data: pa.RecordBatchReader | pa.Table,
        *,
        mode: Literal["append", "overwrite"],
        commit: Commit,
        base: DeltaTable | None,
        partition_by: Sequence[str] = (),
        configuration: Mapping[str, str] | None = None,
        replace_schema: bool = False,
        predicate: str | None = None,
    ) -> int:
        """Append or overwrite on top of ``base`` (``None``: create the table); returns the new version.

        New columns are added to the table's schema; ``replace_schema`` (with ``overwrite``)
        makes the data's schema the table's; ``predicate`` (with ``overwrite``) replaces only the
        rows it selects. Creating is exclusive: when another writer created the table first this
        raises :class:`Conflict` rather than stacking a second table id on theirs.
        """
        exclusive = commit.exclusive or base is None
        before = base.version() if base is not None else -1
        replacing: dict[str, Any] = {"predicate": predicate} if predicate else {}
        with engine(table, "write"), self._pruned(table, creating=base is None):
            try:
                # creating: mode "error", so a table another writer created since we looked is a
                # conflict, not a silent append on top of theirs (delta-rs loads it and appends)
                write_deltalake(
                    base if base is not None else self.uri(table), data, mode=mode if base is not None else "error",
                    partition_by=list(partition_by) or None if base is None else None,
                    configuration=dict(configuration or {}) or None if base is None else None,
                    schema_mode=None if base is None else "overwrite" if replace_schema else "merge",
                    storage_options=self._opts() if base is None else None,
                    commit_properties=commit.properties(exclusive=exclusive), **replacing,
                )
            except CommitFailedError:
                raise Conflict(f"concurrent commit on '{table}'") from None
            except DeltaError as e:
                if base is None and self.exists(table):
                    raise Conflict(f"'{table}' was created concurrently") from None
                raise LakekitError(f"cannot write '{table}': {masked(str(e))}") from None
        # a non-exclusive commit may land on a newer version; delta-rs moves ``base`` to it
        return before + 1 if exclusive or base is None else base.version()

    @contextlib.contextmanager
    def _pruned(self, table: str, *, creating: bool) -> Iterator[None]:
        """A table whose creation failed leaves no folder behind (delta-rs makes the table's folder
        before it reads the first row; on a local lake, the folders it made and left empty go)."""
        try:
            yield
        except BaseException:
            if creating and "://" not in self.root and not self.exists(table):
                for folder in (Path(self.uri(table)) / "_delta_log", Path(self.uri(table)),
                               Path(self.uri(table)).parent):
                    with contextlib.suppress(OSError):
                        folder.rmdir()
            raise

    def merge(
        self,
        table: str,
        data: pa.RecordBatchReader | pa.Table,
        *,
        keys: Sequence[str],
        commit: Commit,
        base: DeltaTable,
        updates: Sequence[str] | None = None,
    ) -> int:
        """Upsert on ``keys``: matched rows get the new values (of ``updates`` only, when given),
        new rows are inserted; returns the new version."""
        before = base.version()
        predicate = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
        with engine(table, "merge into"), translated(table, "merge into"):
            merger = base.merge(data, predicate, source_alias="s", target_alias="t", merge_schema=True,
                                commit_properties=commit.properties(exclusive=commit.exclusive))
            matched = (merger.when_matched_update_all() if updates is None
                       else merger.when_matched_update({quote(c): f"s.{quote(c)}" for c in updates}))
            matched.when_not_matched_insert_all().execute()
        return before + 1 if commit.exclusive else self.open(table).version()

    def change(self, table: str, *, predicate: str | None, updates: Mapping[str, str] | None, commit: Commit,
               base: DeltaTable) -> tuple[int | None, int, int]:
        """Delete the rows ``predicate`` picks (every row when ``None``), or with ``updates`` set
        their columns to the values given (DataFusion SQL: column → expression), rewriting only the
        files that hold them; one DELETE or UPDATE commit on top of exactly ``base``. Returns the
        new version (``None`` when no row was picked: delta-rs then commits nothing), the rows
        deleted or updated, and the rows its new files hold; raises :class:`Conflict` when another
        writer committed first."""
        before = base.version()
        properties = commit.properties(exclusive=True)
        with engine(table, "change"), translated(table, "change"):
            metrics = base.delete(predicate, commit_properties=properties) if updates is None else \
                base.update(dict(updates), predicate=predicate, commit_properties=properties)
        rows = int(metrics["num_deleted_rows" if updates is None else "num_updated_rows"])
        written = int(metrics["num_copied_rows"]) + (rows if updates is not None else 0)
        return (before + 1 if base.version() > before else None), rows, written

    def set_column_metadata(self, table: str, column: str, values: Mapping[str, str], *, base: DeltaTable) -> int:
        """Set keys of one column's field metadata in one commit on top of exactly ``base``; returns
        its version; raises :class:`Conflict` when another writer committed first."""
        with translated(table, "tag a column of"):
            base.alter.set_column_metadata(column, dict(values), commit_properties=Commit().properties(exclusive=True))
        return base.version()

    def folder_fs(self, folder: str) -> pafs.FileSystem:
        """A filesystem rooted at ``<root>/<folder>`` (a table's folder is ``ns/name``), for the
        plain files lakekit reads and writes itself (:mod:`lakekit.files`)."""
        native = self._native_fs(f"{self.root}/{folder}")
        if native is not None:
            return native
        fs, base = self.files()
        return pafs.SubTreeFileSystem(f"{base}/{folder}", pafs.PyFileSystem(pafs.FSSpecHandler(fs)))

    def drop_kept(self, table: str) -> None:
        """Forget the handle :meth:`latest` keeps for ``table`` (its files were rewritten: a kept
        handle remembers the old file names)."""
        self._kept.__dict__.setdefault("handles", {}).pop(table, None)

    def mark(self, table: str, commit: Commit, *, base: DeltaTable) -> int:
        """Commit a version that changes no file on top of ``base`` (exclusively), carrying only
        ``commit``'s provenance and app transactions: a record in the table's own history. Returns
        the new version; raises :class:`Conflict` when another writer committed first."""
        try:
            base.create_write_transaction([], mode="append", schema=base.schema(),
                                          partition_by=base.metadata().partition_columns,
                                          commit_properties=commit.properties(exclusive=True))
        except CommitFailedError:
            raise Conflict(f"concurrent commit on '{table}'") from None
        return base.version() + 1

    def set_properties(self, table: str, properties: Mapping[str, str], *, base: DeltaTable,
                       commit: Commit | None = None) -> int:
        """Set table properties (none: a commit that only carries ``commit``'s metadata) in one commit
        on top of exactly ``base``; returns its version; raises :class:`Conflict` when another
        writer committed first."""
        with translated(table, "set properties of"):
            base.alter.set_table_properties(dict(properties), raise_if_not_exists=False,
                                            commit_properties=(commit or Commit()).properties(exclusive=True))
        return base.version()

    def compact(self, table: str) -> None:
        """Rewrite small files into fewer and checkpoint the log, so opening and reading stay flat.

        Raises :class:`Conflict` when another writer's commit clashes with the compaction.
        """
        dt = self.open(table)
        with translated(table, "compact"):
            dt.optimize.compact()
        dt.create_checkpoint()
        dt.cleanup_metadata()

    def checkpoint(self, table: str) -> None:
        """Write a checkpoint of the latest version, so opening the table replays few log files, and
        drop the log entries the table's ``delta.logRetentionDuration`` no longer keeps. Only
        lakekit's index tables are checkpointed so: through the handle :meth:`latest` keeps (caught
        up, ~1 ms) rather than one opened anew (~6 ms with a log of a few hundred entries)."""
        dt = self.latest(table)
        dt.create_checkpoint()
        dt.cleanup_metadata()

    def vacuum(self, table: str, *, retention_hours: int, dry_run: bool, keep_versions: Sequence[int]) -> list[str]:
        """Delete (or list, ``dry_run``) files no version newer than the retention needs, except
        those of ``keep_versions``; returns their paths relative to the table. Files no commit ever
        referenced (a write killed or refused before its commit) go too, once older than the retention."""
        dt = self.open(table)
        with translated(table, "vacuum"):
            return list(dt.vacuum(retention_hours, dry_run=dry_run, enforce_retention_duration=False,
                                  keep_versions=sorted(keep_versions) or None, full=True))
