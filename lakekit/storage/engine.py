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
from lakekit.storage.fileset import DataFile, FileSet

_LOCK = threading.Lock()
_DATABASES: dict[tuple[int, str], tuple[frozenset[str], duckdb.DuckDBPyConnection]] = {}
_SCHEMA_VIEW = "__lakekit_schema"
_TYPES: dict[pa.Schema, dict[str, str]] = {}
_TYPES_KEPT = 256


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
    if not relation.files:
        con.register(name, relation.schema.empty_table())
        return
    wanted = _types(con, relation.schema)
    groups: dict[tuple[tuple[str, Any], ...], list[DataFile]] = {}
    for f in relation.files:
        groups.setdefault(f.partition, []).append(f)
    selects = []
    for partition, files in groups.items():
        source = _read_parquet([relation.location(f) for f in files])
        try:
            present = {str(r[0]): str(r[1]) for r in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        except duckdb.IOException:
            raise VersionGone(relation.table) from None
        values = dict(partition)
        columns = [_column(c, t, present, values) for c, t in wanted.items()]
        selects.append(f"SELECT {', '.join(columns)} FROM {source}")
    con.execute(f"CREATE TEMP VIEW {_quote(name)} AS {' UNION ALL '.join(selects)}")


def _types(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> dict[str, str]:
    """Column → DuckDB type of an Arrow schema, as DuckDB names it (remembered per schema)."""
    with _LOCK:
        known = _TYPES.get(schema)
    if known is not None:
        return known
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


def _read_parquet(locations: Sequence[str]) -> str:
    files = ", ".join(exp.Literal.string(p).sql("duckdb") for p in locations)
    return f"read_parquet([{files}], union_by_name = true, hive_partitioning = false)"


def _column(name: str, sql_type: str, present: Mapping[str, str], partition: Mapping[str, Any]) -> str:
    """The select expression giving column ``name`` its declared type."""
    quoted = _quote(name)
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
    return str(exp.Literal.string(str(value)).sql("duckdb"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
