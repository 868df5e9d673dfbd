"""Rows out of Parquet files, with the Arrow types lakekit hands out: the one place types are normalised.

delta-rs writes what its engine holds: a MERGE or DELETE rewrites string columns as
``string_view`` (``binary_view`` for binary, also inside structs and lists), and other writers
bring ``large_string``, ``large_list`` or dictionary-encoded columns. lakekit reads every table
version with its Delta schema's plain types (:func:`canonical_schema`): pyarrow casts each file's
columns on the way out, so DuckDB, polars, pandera, fingerprints and GDPR searches only ever see
``string``, ``binary``, ``list``, ``struct`` and ``map`` of those.

A filter is the catch: pyarrow prunes row groups by comparing the filter's literals with each
file's statistics in the file's own types, and has no kernel comparing ``string`` with
``string_view`` (nor filters on view types at all). A dataset with such files
(not :func:`faithful`) is therefore scanned whole and filtered after the cast
(:func:`scanner`), and handed to DuckDB as a scanner, which DuckDB projects and filters itself
(:func:`relation`). Datasets whose files have the plain types keep pyarrow's pushdown.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lakekit.core import values
from lakekit.core.evolution import plain_type, same_type
from lakekit.errors import ColumnNotFound, LakekitError, VersionGone, masked

if TYPE_CHECKING:
    import pyarrow.dataset as pads
    from deltalake import DeltaTable


def canonical_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every column's plain type (names and metadata kept)."""
    return pa.schema([f.with_type(plain_type(f.type)) for f in schema], metadata=schema.metadata)


def faithful(ds: pads.Dataset) -> bool:
    """Whether every file of ``ds`` stores each column in the dataset's own type (list item names
    aside), so pyarrow can push filters down to its statistics."""
    import pyarrow.dataset as pads

    if not isinstance(ds, pads.FileSystemDataset):
        return True
    wanted = {f.name: f.type for f in ds.schema}
    return all(f.name not in wanted or same_type(f.type, wanted[f.name])
               for fragment in ds.get_fragments() for f in fragment.physical_schema)


def scanner(ds: pads.Dataset, *, columns: Sequence[str] | None = None,
            filter: pc.Expression | None = None) -> pads.Scanner:
    """A scanner of ``columns`` of the rows of ``ds`` passing ``filter``, in the dataset's types.

    Read once: its batches come from a single pass (see the module's docstring)."""
    import pyarrow.dataset as pads

    wanted = list(columns) if columns is not None else None
    if filter is None or faithful(ds):
        return ds.scanner(columns=wanted, filter=filter)
    return pads.Scanner.from_batches(ds.scanner().to_reader(), columns=wanted, filter=filter)


def relation(ds: pads.Dataset) -> pads.Dataset | pads.Scanner:
    """What DuckDB should scan for ``ds``: the dataset itself (projection and filters pushed down
    to pyarrow), or, when its files hold other types than its schema, a scanner of it in its own
    types that DuckDB projects and filters after the cast (it can scan it more than once)."""
    return ds if faithful(ds) else ds.scanner()


def select_rows(ds: pads.Dataset, table: str, *, columns: Sequence[str] | None,
                filter: str | pc.Expression | None) -> pa.Table:
    """``columns`` of the rows of ``ds`` that pass ``filter`` (a pyarrow expression or a SQL predicate)."""
    unknown = [c for c in columns or () if c not in ds.schema.names]
    if unknown:
        raise ColumnNotFound(table, unknown[0])
    try:
        if isinstance(filter, str):
            return _sql_filter(ds, table, filter, columns)
        return scanner(ds, columns=columns, filter=filter).to_table()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise LakekitError(f"filter on '{table}' does not apply: {masked(str(e))}") from None
    except FileNotFoundError:
        raise VersionGone(table) from None


def _sql_filter(ds: pads.Dataset, table: str, predicate: str, columns: Sequence[str] | None) -> pa.Table:
    con = duckdb.connect(config={"enable_external_access": False, "python_enable_replacements": False})
    try:
        rel = con.from_arrow(relation(ds)).filter(predicate)
        if columns:
            rel = rel.project(", ".join(quote(c) for c in columns))
        wanted = pa.schema([ds.schema.field(c) for c in columns or ds.schema.names])
        return rel.to_arrow_table().cast(wanted)  # DuckDB names list items its own way
    except duckdb.Error as e:
        raise LakekitError(f"filter on '{table}' does not apply: {masked(str(e))}") from None
    except RecursionError:
        raise LakekitError(f"filter on '{table}' does not apply: nested too deeply") from None
    finally:
        con.close()


class Between(NamedTuple):
    """Rows whose string column lies in ``[low, high)``."""

    column: str
    low: str
    high: str


Where = tuple[str, Collection[str]] | Between
"""Which rows of a small table to read: those whose column (the first item) holds one of the
strings (the second), or those :class:`Between` two strings."""


def rows_where(snapshot: DeltaTable, table: str, where: Where | None) -> pa.Table:
    """Every row of an opened version, or those ``where`` selects, in plain types: read by
    delta-rs's own engine (DataFusion), which prunes files by their statistics. For lakekit's
    small tables read whole on hot paths: it costs a tenth of a pyarrow dataset and imports
    neither ``pyarrow.dataset`` nor the pandas it brings."""
    from deltalake import QueryBuilder

    sql = "SELECT * FROM t" if where is None else f"SELECT * FROM t WHERE {_condition(where)}"
    try:
        found = pa.RecordBatchReader.from_stream(QueryBuilder().register("t", snapshot).execute(sql)).read_all()
    except FileNotFoundError:
        raise VersionGone(table) from None
    return found.cast(canonical_schema(found.schema))


def _condition(where: Where) -> str:
    """``where`` in DataFusion's SQL.

    >>> print(_condition(("run_id", ("a", "b'c"))))
    "run_id" IN ('a', 'b''c')
    >>> print(_condition(Between("run_id", "2026", "2027")))
    "run_id" >= '2026' AND "run_id" < '2027'
    """
    if isinstance(where, Between):
        return f"{quote(where.column)} >= {literal(where.low)} AND {quote(where.column)} < {literal(where.high)}"
    if not where[1]:
        return "false"
    return f"{quote(where[0])} IN ({', '.join(literal(v) for v in where[1])})"


def selected(rows: pa.Table, where: Where) -> pa.Table:
    """The rows of an Arrow table ``where`` selects (as :func:`rows_where` selects them in a file)."""
    column = rows.column(where[0])
    if isinstance(where, Between):
        low, high = values.array([where.low, where.high], pa.string())
        return rows.filter(pc.and_(pc.greater_equal(column, low), pc.less(column, high)))
    return rows.filter(pc.is_in(column, value_set=values.array(list(where[1]), pa.string())))


def literal(value: str) -> str:
    """A string as a SQL literal.

    >>> literal("it's")
    "'it''s'"
    """
    return "'" + value.replace("'", "''") + "'"


def quote(name: str) -> str:
    """A column name as a quoted SQL identifier.

    >>> quote('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'
