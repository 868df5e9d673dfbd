"""Apache Spark as the engine of transforms and queries, without Delta jars.

Each pinned input is the list of Parquet files delta-rs resolves its version to
(:mod:`lakekit.storage.fileset`, which refuses deletion vectors and column mapping): Spark reads
exactly those files as a temporary view, in the version's schema, partition values from the add
actions. The query, conformed in its own dialect, is generated in Spark SQL by sqlglot (a construct
sqlglot cannot translate is refused, never approximated). A transform's rows are written by Spark
as Parquet (microsecond timestamps, never INT96) into a staged folder of the target table, which
:mod:`lakekit.write.publish` audits and commits through delta-rs; their rows never pass through
the driver unless the audit reads them, in batches, from the files.

The session is a ``SparkSession`` given by the caller, or one this module builds once per URL
and process: a master URL (``local[2]``, ``spark://host:7077``) or a Spark Connect URL
(``sc://host:15002``); a local one binds to 127.0.0.1 and runs without its web UI. Every
session computes in UTC.

A lake on an object store is read and written through staged local copies: the pyspark wheel has
no S3A connector. The pinned files are copied into a local folder for Spark to read, and its
output is uploaded into the table's staged folder before delta-rs commits it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from lakekit.errors import EngineUnavailable, SqlError, masked
from lakekit.index import views
from lakekit.storage import staged
from lakekit.storage.delta import Storage, table_folder
from lakekit.storage.fileset import DataFile, FileSet
from lakekit.transform import query
from lakekit.transform.conform import conform
from lakekit.transform.engines import EngineName, Output, renamed
from lakekit.transform.query import Prepared

INSTALL = "pip install 'lakekit[spark]'"
_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.sources.partitionOverwriteMode": "static",
}
"""Runtime settings every session gets: UTC, and Parquet timestamps delta-rs reads (not INT96)."""
_LOCAL = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
}
"""Settings of a session this module builds: loopback only, no web UI, few shuffle partitions."""
_REACH_SECONDS = 5.0
_LOCK = threading.Lock()
_SESSIONS: dict[str, Any] = {}
_BATCH_ROWS = 65_536


def _pyspark() -> Any:
    try:
        import pyspark
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailable(f"engine='spark' needs pyspark: {INSTALL}") from None
    return pyspark, SparkSession


def session(given: object) -> Any:
    """The Spark session ``given`` names (see the module's docstring), with lakekit's settings."""
    _, spark_session = _pyspark()
    _quiet()
    found: Any = given
    if given is None or isinstance(given, str):
        url = given or "local[2]"
        with _LOCK:
            found = _SESSIONS.get(url)
            if found is None:
                found = _SESSIONS[url] = _build(spark_session, url)
    for key, value in _SETTINGS.items():
        found.conf.set(key, value)
    return found


def _quiet() -> None:
    """pyspark logs each failed statement's Java error to stderr; lakekit raises it as one line instead."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True


def _build(spark_session: Any, url: str) -> Any:
    if url.startswith(("sc://", "spark://")):
        _reach(url)
    builder = spark_session.builder.appName("lakekit")
    if url.startswith("sc://"):
        builder = builder.remote(url)
    else:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.master(url)
        for key, value in _LOCAL.items():
            builder = builder.config(key, value)
    try:
        if not url.startswith("sc://"):
            _own_jvm(url)
        built = builder.getOrCreate()
    except Exception as e:
        raise EngineUnavailable(f"cannot start a Spark session on {url}: {masked(_first_line(e))}") from None
    if not url.startswith("sc://"):
        built.sparkContext.setLogLevel("ERROR")
    return built


def _own_jvm(url: str) -> None:
    """Start the driver's JVM, when this process has none yet, with its stderr in a log file: its
    banner and the executors' Java stack traces would otherwise reach the user's terminal, where
    lakekit shows an error as one line (the error itself reaches Python all the same)."""
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None:
        return
    conf = SparkConf().setMaster(url).setAppName("lakekit").setAll(list(_LOCAL.items()))
    log = Path(tempfile.gettempdir()) / f"lakekit-spark-{os.getpid()}.log"
    with log.open("ab") as sink:
        SparkContext(conf=conf, gateway=launch_gateway(conf, popen_kwargs={"stderr": sink}))


def _reach(url: str) -> None:
    """Refuse at once a cluster nobody answers at (Spark itself would retry for minutes)."""
    where = urlparse(url.replace("sc://", "http://", 1).replace("spark://", "http://", 1))
    try:
        with socket.create_connection((where.hostname or "127.0.0.1", where.port or 15002), _REACH_SECONDS):
            pass
    except OSError as e:
        raise EngineUnavailable(f"cannot reach Spark at {url}: {e.strerror or type(e).__name__}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Spark:
    """Apache Spark on a session (see the module's docstring)."""

    name: EngineName = "spark"

    def __init__(self, given: object = None) -> None:
        self.given = given
        self._session: Any = None

    @property
    def spark(self) -> Any:
        if self._session is None:
            self._session = session(self.given)
        return self._session

    def version(self) -> str:
        return f"spark {self.spark.version}"

    def rows(self, storage: Storage, prepared: Prepared) -> pa.RecordBatchReader:
        with self._views(storage, prepared, {}) as sql:
            frame = _typed(_run(prepared, lambda: self.spark.sql(sql)), query.described(storage, prepared))
            table = _run(prepared, lambda: frame.toArrow())
        return pa.RecordBatchReader.from_batches(_nullable(table.schema), _cast(table.to_batches(),
                                                                                 _nullable(table.schema)))

    def output(self, storage: Storage, prepared: Prepared, *, scans: Mapping[str, FileSet], target: str,
               columns: Sequence[str]) -> Output:
        folder = staged.new_folder()
        remote = "://" in storage.root
        with self._views(storage, prepared, scans) as sql, _scratch(remote) as scratch:
            written = f"{scratch}/out" if remote else f"{storage.uri(target)}/{folder}"
            destination = _spark_path(written, read=False)
            try:
                frame = _typed(_run(prepared, lambda: self.spark.sql(sql)), query.described(storage, prepared))
                frame = frame.toDF(*renamed(frame.columns, columns))
                _run(prepared, lambda: frame.write.mode("error").parquet(destination))
                if remote:
                    _upload(Path(scratch) / "out", storage.folder_fs(f"{table_folder(target)}/{folder}"))
            except BaseException:
                staged.discard(storage, staged.Staged(target, folder, (), 0))
                raise
        fs = storage.folder_fs(f"{table_folder(target)}/{folder}")
        return Output(_reader(fs), folder)

    @contextlib.contextmanager
    def _views(self, storage: Storage, prepared: Prepared, scans: Mapping[str, FileSet]) -> Iterator[str]:
        """The query in Spark SQL, each relation a temporary view while the block runs."""
        if prepared.tree is None:
            raise SqlError("this query was not prepared for another engine", sql=prepared.source)
        spark = self.spark  # the session first: no pyspark, or no cluster, is its own one-line error
        tree = conform(prepared.tree.copy(), prepared.dialect, prepared.types, target="spark")
        run = secrets.token_hex(4)  # views of queries running side by side on one session never meet
        names = {name: f"lakekit_{run}_{i}" for i, name in enumerate([*prepared.scans, *prepared.views])}
        for node in tree.find_all(exp.Table):
            if node.name in names:
                node.set("this", exp.to_identifier(names[node.name]))
        try:
            sql = tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
        except SqlglotError as e:  # sqlglot names constructs, never values
            raise SqlError(f"this {prepared.dialect} SQL has no Spark SQL translation: {_first_line(e)}",
                           sql=prepared.source) from None
        with tempfile.TemporaryDirectory(prefix="lakekit-spark-") as copies:
            with _failing(prepared):
                for name, relation in {**prepared.scans, **scans}.items():
                    self._define(storage, names[name], relation, copies)
                for name, view in prepared.views.items():
                    spark.createDataFrame(views.VIEWS[view][1](storage)).createOrReplaceTempView(names[name])
            try:
                yield sql
            finally:
                for view_name in names.values():
                    spark.catalog.dropTempView(view_name)

    def _define(self, storage: Storage, name: str, relation: FileSet, copies: str) -> None:
        """``name`` as a view of the relation's rows in the version's schema (partition values from
        the add actions, a column some files lack read as NULL there)."""
        from pyspark.sql import functions as f
        from pyspark.sql.pandas.types import from_arrow_schema

        stored = pa.schema([c for c in relation.schema if c.name not in relation.partition_columns])
        groups: dict[tuple[tuple[str, Any], ...], list[str]] = {}
        for file in relation.files:
            groups.setdefault(file.partition, []).append(_readable(storage, relation, file.path, copies))
        frame = None
        for partition, paths in groups.items():
            part = self.spark.read.schema(from_arrow_schema(stored)).parquet(*paths)
            for column, value in partition:
                field = relation.schema.field(column)
                part = part.withColumn(column, f.lit(value).cast(from_arrow_schema(pa.schema([field]))[0].dataType))
            part = part.select(*[f.col(f"`{c}`") for c in relation.schema.names])
            frame = part if frame is None else frame.unionByName(part)
        if frame is None:
            frame = self.spark.createDataFrame([], from_arrow_schema(relation.schema))
        frame.createOrReplaceTempView(name)


_SIMPLE = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal, pa.types.is_timestamp, pa.types.is_date,
           pa.types.is_string, pa.types.is_boolean)


def _typed(frame: Any, types: pa.Schema | None) -> Any:
    """``frame`` with each column cast to the type DuckDB gives it (``types``), where both engines
    name the column alike and the type is a plain one: Spark's ``TIMESTAMP`` is an instant where
    DuckDB's is a wall-clock time, its sums of integers are 64-bit where DuckDB's are 128-bit…"""
    from pyspark.sql import functions as f
    from pyspark.sql.pandas.types import from_arrow_type

    if types is None or types.names != frame.columns:
        return frame
    columns = []
    changed = False
    for field, actual in zip(types, frame.schema.fields, strict=True):
        column = f.col(f"`{actual.name}`")
        if any(simple(field.type) for simple in _SIMPLE):
            wanted = from_arrow_type(field.type, prefer_timestamp_ntz=True)
            if wanted != actual.dataType:
                column = column.cast(wanted).alias(actual.name)
                changed = True
        columns.append(column)
    return frame.select(*columns) if changed else frame


def _run(prepared: Prepared, action: Any) -> Any:
    """Run a Spark action (see :func:`_failing`)."""
    with _failing(prepared):
        return action()


@contextlib.contextmanager
def _failing(prepared: Prepared) -> Iterator[None]:
    """Spark's failures in the block as a lakekit error naming the statement, quoting no value."""
    try:
        yield
    except Exception as e:
        if type(e).__module__.startswith(("pyspark", "py4j", "grpc")):
            raise SqlError(f"statement 1: Spark cannot run this {prepared.dialect} SQL "
                           f"({masked(_first_line(e))})", sql=prepared.source) from None
        raise


def _spark_path(path: str, *, read: bool) -> str:
    """A local path as Spark takes it: a file URL spelled as the path is (Hadoop never decodes a
    percent escape: a URL-encoded space or partition value names another file), and to be read,
    glob characters escaped (Spark expands globs in the paths it reads)."""
    absolute = str(Path(path).resolve())
    return "file://" + (re.sub(r"([\\{}\[\]*?])", r"\\\1", absolute) if read else absolute)


def _readable(storage: Storage, relation: FileSet, path: str, copies: str) -> str:
    """Where Spark reads a pinned file: in place on a local lake, else a local copy of it."""
    if "://" not in storage.root:
        return _spark_path(relation.location(DataFile(path)), read=True)
    copy = Path(copies) / relation.table / str(relation.version) / path
    copy.parent.mkdir(parents=True, exist_ok=True)
    source = storage.folder_fs(table_folder(relation.table))
    with source.open_input_stream(path) as src, copy.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return _spark_path(str(copy), read=True)


@contextlib.contextmanager
def _scratch(needed: bool) -> Iterator[str]:
    if not needed:
        yield ""
        return
    with tempfile.TemporaryDirectory(prefix="lakekit-spark-out-") as folder:
        yield folder


def _upload(local: Path, fs: pafs.FileSystem) -> None:
    for path in sorted(local.rglob("*.parquet")):
        with path.open("rb") as src, fs.open_output_stream(path.relative_to(local).as_posix()) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _reader(fs: pafs.FileSystem) -> pa.RecordBatchReader:
    """The staged Parquet files' rows, batch by batch (never all at once), every column nullable."""
    paths = sorted(i.path for i in fs.get_file_info(pafs.FileSelector("", recursive=True))
                   if i.type == pafs.FileType.File and i.base_name.endswith(".parquet"))
    schema = _nullable(pq.read_schema(fs.open_input_file(paths[0]))) if paths else pa.schema([])

    def batches() -> Iterator[pa.RecordBatch]:
        for path in paths:
            with fs.open_input_file(path) as f:
                yield from _cast(pq.ParquetFile(f).iter_batches(batch_size=_BATCH_ROWS), schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _nullable(schema: pa.Schema) -> pa.Schema:
    """Spark marks some outputs NOT NULL where DuckDB does not: lakekit's tables hold nullable columns."""
    return pa.schema([f.with_nullable(True) for f in schema]).remove_metadata()


def _cast(batches: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)
