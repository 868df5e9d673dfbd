"""The Lake facade: one root, every concept wired to it. No logic of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakekit import impact, metadata, quarantine, validate
from lakekit import ingest as _ingest
from lakekit import query as _query
from lakekit import transform as _transform
from lakekit.checks import Model, OnInvalid
from lakekit.errors import UsageError
from lakekit.models import HistoryEntry, LoadResult, RerunStep, TransformResult, ValidationReport, WriteMode
from lakekit.publish import Progress
from lakekit.sources import Format
from lakekit.storage import Storage, normalise_root


class Lake:
    """A lake of Delta tables under one root (local path, ``file://``, ``s3://``, ``memory://``).

    >>> lake = Lake("memory://doc")
    >>> lake.tables()
    []
    """

    def __init__(self, root: str | Path, storage_options: Mapping[str, str] | None = None, *,
                 schemas: str = "schemas") -> None:
        self.storage = Storage(normalise_root(root), dict(storage_options or {}))
        self.root = str(root)
        self.schemas = schemas
        self.lineage = impact.LakeLineage(self.storage)

    def __repr__(self) -> str:
        return f"Lake({self.root!r})"

    def tables(self) -> list[str]:
        """Every data table, as ``namespace.name`` (lakekit's own ``_lakekit`` tables excluded)."""
        return self.storage.tables()

    def history(self, table: str) -> list[HistoryEntry]:
        """Versions of ``table``, newest first, with provenance."""
        return metadata.history(self.storage, table)

    def read(
        self,
        table: str,
        version: int | None = None,
        as_of: datetime | str | None = None,
        columns: Sequence[str] | None = None,
        filter: str | pc.Expression | None = None,
    ) -> pa.Table:
        """Rows of ``table`` at a version (or the version current at ``as_of``), latest by default."""
        return self.storage.read(table, self.resolve_version(table, version, as_of), columns=columns, filter=filter)

    def resolve_version(self, table: str, version: int | None = None, as_of: datetime | str | None = None) -> int:
        """The version number meant by ``version`` or ``as_of`` (the latest when both are None)."""
        if version is not None and as_of is not None:
            raise UsageError("give version or as_of, not both")
        if as_of is not None:
            try:
                when = datetime.fromisoformat(as_of) if isinstance(as_of, str) else as_of
            except ValueError:
                raise UsageError(f"as_of must be an ISO timestamp, got '{as_of}'") from None
            return self.storage.version_at(table, when)
        return self.storage.open(table, version).version()

    def ingest(
        self,
        table: str,
        source: str | Sequence[str],
        format: Format | None = None,
        mode: WriteMode = "append",
        keys: Sequence[str] | None = None,
        partition_by: Sequence[str] | None = None,
        schema: Model | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        job: str | None = None,
        load_id_column: bool = True,
        on_invalid: OnInvalid | None = None,
        progress: Progress | None = None,
    ) -> LoadResult:
        """Load source files into ``table`` as one new version; files loaded before are skipped.

        The rows are validated by ``schema`` (default: the model in the schema package whose
        ``Config.name`` is ``table``) before the version commits; ``on_invalid`` overrides the
        schema's policy (quarantine, fail or warn).
        """
        options = _ingest.IngestOptions(
            mode=mode, keys=tuple(keys or ()), partition_by=tuple(partition_by or ()),
            metadata=dict(metadata or {}), job=job, load_id_column=load_id_column,
            schema=schema, schema_package=self.schemas, on_invalid=on_invalid,
        )
        return _ingest.ingest(self.storage, table, source, format=format, options=options, progress=progress)

    def validate(self, table: str, version: int | None = None, schema: Model | None = None) -> ValidationReport:
        """Check a version (latest by default) against the table's current schema (or ``schema``); recorded."""
        model = schema or validate.find_schema(table, self.schemas)
        if model is None:
            raise UsageError(f"no schema for '{table}' in package '{self.schemas}'; pass schema=")
        return validate.revalidate(self.storage, table, self.resolve_version(table, version), model)

    def quarantine(self, table: str) -> pa.Table:
        """Rows of ``table``'s committed writes that failed its schema, whole, with ``_errors``."""
        return quarantine.rows(self.storage, table, self.schemas)

    def loads(self, table: str) -> pa.Table:
        """Load id → files (with fingerprints), job, metadata and version, for ``table``."""
        self.storage.open(table)
        return metadata.loads(self.storage, table)

    def transform(
        self,
        target: str,
        sql: str,
        dialect: str = "snowflake",
        mode: WriteMode = "overwrite",
        versions: Mapping[str, int] | None = None,
        *,
        keys: Sequence[str] | None = None,
        schema: Model | None = None,
        on_invalid: OnInvalid | None = None,
    ) -> TransformResult:
        """Run ``sql`` over pinned input versions (latest, or ``versions``) into a new version of ``target``.

        The rows are validated by the target's schema before they commit, and the column
        lineage of the statement is recorded; the same SQL over the same versions runs once.
        """
        options = _transform.TransformOptions(dialect=dialect, mode=mode, keys=tuple(keys or ()), versions=versions,
                                              schema=schema, schema_package=self.schemas, on_invalid=on_invalid)
        return _transform.transform(self.storage, target, sql, options)

    def rerun(self, downstream_of: str, dry_run: bool = False) -> list[RerunStep]:
        """Recompute every transform downstream of a table on its current version, in dependency order."""
        return impact.rerun(self.storage, downstream_of, dry_run=dry_run, schema_package=self.schemas)

    def sql(self, query: str, dialect: str | None = None) -> pa.Table:
        """Run one read-only query over lake tables (``VERSION AS OF`` and other time travel allowed)."""
        return _query.query(self.storage, query, dialect=dialect)
