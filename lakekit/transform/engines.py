"""The engines that run SQL over pinned table versions: DuckDB in this process (the default), or
Apache Spark (:mod:`lakekit.transform.spark`, the optional ``spark`` extra) on a local, standalone
or Spark Connect session.

An engine is the only part of a transform or a query that differs between them. Everything
before it (parsing, pinning each input to a version and its files, conforming the source
dialect, lineage) and after it (write-audit-publish, the exactly-once commit, provenance and
index rows) is one pipeline (:mod:`lakekit.transform.pipeline`, :mod:`lakekit.write.publish`).
An engine takes a :class:`~lakekit.transform.query.Prepared` query and gives its rows: as a
stream of Arrow batches (DuckDB), or as Parquet files it wrote itself into a staged folder of
the target table, with a stream over them for the audit (Spark). delta-rs commits those files
as they are when no row needs to change, and rewrites them otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import duckdb
import pyarrow as pa

from lakekit.errors import UsageError
from lakekit.storage import staged
from lakekit.storage.delta import Storage
from lakekit.storage.fileset import FileSet
from lakekit.transform import query
from lakekit.transform.query import Prepared

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


@dataclass(frozen=True)
class Output:
    """The rows of a transform's query as an engine gives them."""

    reader: pa.RecordBatchReader
    folder: str | None = None
    """A staged folder of the target (:mod:`lakekit.storage.staged`) whose Parquet files hold
    exactly the reader's rows, written by the engine; ``None``: the rows exist only in the stream."""

    def discard(self, storage: Storage, table: str) -> None:
        """Delete the staged files of an output that will not be committed."""
        if self.folder is not None:
            staged.discard(storage, staged.Staged(table, self.folder, (), 0))


class Engine(Protocol):
    """What runs a prepared query: see the module's docstring."""

    @property
    def name(self) -> EngineName: ...

    def version(self) -> str:
        """The engine's name and version, as provenance records it (``spark 4.3.0``)."""
        ...

    def rows(self, storage: Storage, prepared: Prepared) -> pa.RecordBatchReader:
        """The query's rows, streamed back to Python (``lake.sql``)."""
        ...

    def output(self, storage: Storage, prepared: Prepared, *, scans: Mapping[str, FileSet], target: str,
               columns: Sequence[str]) -> Output:
        """A transform's rows, ``scans`` replacing some relations' files and ``columns`` (an
        INSERT's column list) renaming the query's columns, ready to publish into ``target``."""
        ...


def renamed(names: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The output's column names once an INSERT's ``columns`` rename the query's ``names``."""
    if not columns:
        return list(names)
    if len(columns) != len(names):
        raise UsageError(f"INSERT names {len(columns)} columns, the query returns {len(names)}")
    return list(columns)


class DuckDB:
    """DuckDB in this process (:mod:`lakekit.storage.engine`): rows stream from it."""

    name: EngineName = "duckdb"

    def version(self) -> str:
        return f"duckdb {duckdb.__version__}"

    def rows(self, storage: Storage, prepared: Prepared) -> pa.RecordBatchReader:
        return query.execute(storage, prepared)

    def output(self, storage: Storage, prepared: Prepared, *, scans: Mapping[str, FileSet], target: str,
               columns: Sequence[str]) -> Output:
        reader = query.execute(storage, prepared, scans=scans)
        if not columns:
            return Output(reader)
        names = renamed(reader.schema.names, columns)
        schema = pa.schema([f.with_name(n) for f, n in zip(reader.schema, names, strict=True)])
        return Output(pa.RecordBatchReader.from_batches(schema, (b.rename_columns(names) for b in reader)))


DUCKDB = DuckDB()


def engine(name: str | None = None, session: object = None) -> Engine:
    """The engine ``name`` (default DuckDB); Spark runs on ``session``: a ``SparkSession``, a master
    URL (``local[2]``, ``spark://host:7077``) or a Spark Connect URL (``sc://host:15002``)."""
    if name in (None, "duckdb"):
        if session is not None:
            raise UsageError("a Spark session is given, but the engine is duckdb: add engine='spark'")
        return DUCKDB
    if name == "spark":
        from lakekit.transform import spark  # pyspark is imported only when Spark is asked for

        return spark.Spark(session)
    raise UsageError(f"unknown engine '{name}': {' or '.join(ENGINES)}")
