"""DuckDB over pinned table versions, through its own Parquet reader.

Each relation a query reads is a view over ``read_parquet`` of its version's files (the list
comes from the Delta log, see :mod:`lakekit.storage.scan`), so DuckDB scans them in parallel,
reads only the columns asked for and skips row groups by their statistics. A partition
column's value comes from the add actions, as a constant for each group of files; a column
the table gained after some files were written is NULL in those files' rows; a column whose
files hold another type than the version's schema is cast to the schema's type, so a query
returns the types the table declares (a ``timestamp`` is a ``TIMESTAMP WITH TIME ZONE``).

Opening a DuckDB database costs ~40 ms, more than many queries: the process keeps one per lake
root and each query gets its own connection to it (:func:`connect`). That database reaches no
file but those under the table folders it was opened for (a query over another table opens a
new one), loads no extension and sees no Python variable, in UTC.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import fsspec
import pyarrow as pa
from sqlglot import exp

from lakekit.errors import VersionGone
from lakekit.sources.formats import fsspec_options
from lakekit.storage.delta import Storage, table_folder
from lakekit.storage.fileset import FILE_COLUMN, DataFile, FileSet, Stamp
from lakekit.storage.scan import literal, quote

_LOCK = threading.Lock()
_DATABASES: dict[tuple[int, str], tuple[frozenset[str], duckdb.DuckDBPyConnection]] = {}
_SCHEMA_VIEW = "__lakekit_schema"
_TYPES: dict[pa.Schema, dict[str, str]] = {}
_TYPES_KEPT = 256
_PRESENT: dict[tuple[str, ...], dict[str, str]] = {}
"""Files → the columns they hold, with DuckDB's types: a data file never changes once written
(a rewrite writes a new one), so its footers are asked once per process."""
_BODIES: dict[tuple[str, int, Stamp], str] = {}
"""A version's files (:attr:`FileSet.identity`) → the query of its rows: what reading their
footers told, remembered so a query over a version read before reads none."""
_BODIES_KEPT = 512


def connect(storage: Storage, relations: Mapping[str, FileSet]) -> duckdb.DuckDBPyConnection:
    """A new connection in which each name of ``relations`` is a view of its scan's rows.

    Close it when done; the database stays open for the next query of the process.
    """
    con = _database(storage, {f"{storage.root}/{table_folder(s.table)}/" for s in relations.values()}).cursor()
    try:
        for name, relation in relations.items():
            _define(con, name, relation)
    except BaseException:
        con.close()
        raise
    return con


def _database(storage: Storage, folders: set[str]) -> duckdb.DuckDBPyConnection:
    """The process's database for the lake root, opened anew when it may not reach ``folders``."""
    key = (os.getpid(), storage.root)  # a forked child must not use its parent's threads
    with _LOCK:
        allowed, db = _DATABASES.get(key, (frozenset(), None))
        if db is None or not folders <= allowed:
            allowed = allowed | folders
            db = _open(storage, allowed)
            _DATABASES[key] = (allowed, db)
        return db


def _open(storage: Storage, allowed: Iterable[str]) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(config={"autoload_known_extensions": False, "autoinstall_known_extensions": False,
                                "python_enable_replacements": False})
    if "://" in storage.root:  # an object store, read through fsspec (no extension is loaded)
        db.register_filesystem(fsspec.filesystem(storage.root.split("://", 1)[0],
                                                 **fsspec_options(storage.root, storage.options)))
    db.execute("SET GLOBAL TimeZone = 'UTC'")
    db.execute("SET GLOBAL parquet_metadata_cache = true")
    db.execute("SET allowed_directories = $dirs", {"dirs": sorted(allowed)})
    db.execute("SET enable_external_access = false")
    db.execute("SET lock_configuration = true")
    return db


def _define(con: duckdb.DuckDBPyConnection, name: str, relation: FileSet) -> None:
    """``name`` as a view of the relation's rows, in the version's schema."""
    key = relation.identity
    with _LOCK:
        body = _BODIES.get(key) if key is not None else None
    if body is None:
        body = _body(con, relation)
        if key is not None:
            with _LOCK:
                if len(_BODIES) >= _BODIES_KEPT:
                    _BODIES.clear()
                _BODIES[key] = body
    try:
        con.execute(f"CREATE TEMP VIEW {quote(name)} AS {body}")
    except duckdb.IOException:  # a file of the version is gone (vacuumed)
        raise VersionGone(relation.table) from None


def _body(con: duckdb.DuckDBPyConnection, relation: FileSet) -> str:
    """The query of the relation's rows, in the version's schema."""
    wanted = _types(con, relation.schema)
    if not relation.files:
        typed = {**wanted, FILE_COLUMN: "VARCHAR"} if relation.located else wanted
        empty = ", ".join(f"CAST(NULL AS {t}) AS {quote(c)}" for c, t in typed.items())
        return f"SELECT {empty} WHERE false"
    groups: dict[tuple[tuple[str, Any], ...], list[DataFile]] = {}
    for f in relation.files:
        groups.setdefault(f.partition, []).append(f)
    selects = []
    for partition, files in groups.items():
        locations = tuple(relation.location(f) for f in files)
        source = _read_parquet(list(locations), located=relation.located)
        try:
            present = _present(con, locations)
        except duckdb.IOException:  # a file of the version is gone (vacuumed)
            raise VersionGone(relation.table) from None
        values = dict(partition)
        columns = [_column(c, t, present, values) for c, t in wanted.items()]
        columns += [FILE_COLUMN] if relation.located else []
        selects.append(f"SELECT {', '.join(columns)} FROM {source}")
    return " UNION ALL ".join(selects)


def _present(con: duckdb.DuckDBPyConnection, locations: tuple[str, ...]) -> dict[str, str]:
    """Column → DuckDB type of what the files at ``locations`` hold (remembered: :data:`_PRESENT`)."""
    with _LOCK:
        known = _PRESENT.get(locations)
    if known is not None:
        return known
    source = _read_parquet(locations)
    present = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    with _LOCK:
        if len(_PRESENT) >= _TYPES_KEPT:
            _PRESENT.clear()
        _PRESENT[locations] = present
    return present


def _types(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> dict[str, str]:
    """Column → DuckDB type of an Arrow schema, as DuckDB names it (remembered per schema).

    lakekit names the types itself where it can (:func:`duckdb_type`): handing DuckDB an Arrow
    object makes it import pandas (~70 MB of the process's memory) to ask whether it is a
    DataFrame. A schema with a struct column is asked of DuckDB.
    """
    with _LOCK:
        known = _TYPES.get(schema)
    if known is not None:
        return known
    named = {f.name: duckdb_type(f.type) for f in schema}
    if all(t is not None for t in named.values()):
        types = {c: str(t) for c, t in named.items()}
    else:
        con.register(_SCHEMA_VIEW, schema.empty_table())
        try:
            types = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE SELECT * FROM {_SCHEMA_VIEW}").fetchall()}
        finally:
            con.unregister(_SCHEMA_VIEW)
    with _LOCK:
        if len(_TYPES) >= _TYPES_KEPT:
            _TYPES.clear()
        _TYPES[schema] = types
    return types


_NAMED = {pa.bool_(): "BOOLEAN", pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER",
          pa.int64(): "BIGINT", pa.uint8(): "UTINYINT", pa.uint16(): "USMALLINT", pa.uint32(): "UINTEGER",
          pa.uint64(): "UBIGINT", pa.float32(): "FLOAT", pa.float64(): "DOUBLE", pa.date32(): "DATE",
          pa.date64(): "DATE", pa.null(): '"NULL"'}
_TIMESTAMPS = {("s", False): "TIMESTAMP_S", ("ms", False): "TIMESTAMP_MS", ("us", False): "TIMESTAMP",
               ("s", True): "TIMESTAMP WITH TIME ZONE", ("ms", True): "TIMESTAMP WITH TIME ZONE",
               ("ns", False): "TIMESTAMP_NS", ("us", True): "TIMESTAMP WITH TIME ZONE", ("ns", True): "TIMESTAMPTZ_NS"}


def duckdb_type(t: pa.DataType) -> str | None:
    """DuckDB's name of the Arrow type ``t``, as its ``DESCRIBE`` spells it; None for a type lakekit
    leaves to DuckDB to name (a struct: DuckDB quotes its field names by its own rules)."""
    if t in _NAMED:
        return _NAMED[t]
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if (pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t)
            or pa.types.is_fixed_size_binary(t)):
        return "BLOB"
    if pa.types.is_timestamp(t):
        return _TIMESTAMPS.get((t.unit, t.tz is not None))
    if pa.types.is_decimal128(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        item = duckdb_type(t.value_type)
        size = str(t.list_size) if pa.types.is_fixed_size_list(t) else ""
        return None if item is None else f"{item}[{size}]"
    if pa.types.is_map(t):
        key, value = duckdb_type(t.key_type), duckdb_type(t.item_type)
        return None if key is None or value is None else f"MAP({key}, {value})"
    return None


def _read_parquet(locations: Sequence[str], *, located: bool = False) -> str:
    files = ", ".join(exp.Literal.string(p).sql("duckdb") for p in locations)
    named = f", filename = '{FILE_COLUMN}'" if located else ""
    return f"read_parquet([{files}], union_by_name = true, hive_partitioning = false{named})"


def _column(name: str, sql_type: str, present: Mapping[str, str], partition: Mapping[str, Any]) -> str:
    """The select expression giving column ``name`` its declared type."""
    quoted = quote(name)
    if name in partition:
        return f"CAST({_literal(partition[name])} AS {sql_type}) AS {quoted}"
    if name not in present:
        return f"CAST(NULL AS {sql_type}) AS {quoted}"
    if present[name] != sql_type:
        return f"CAST({quoted} AS {sql_type}) AS {quoted}"
    return quoted


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"from_hex('{value.hex()}')"
    return literal(str(value))

