"""Schema evolution: how incoming Arrow schemas fold into a table's. Pure.

Rules: a new column is added (nullable); a missing column reads as null; a value type
that widens losslessly into the table's type is cast (``int32`` → ``int64``, ``int`` →
``double``, any unit of timestamp → µs, null → anything); anything else is a conflict
naming the column and the file. Before a table exists, two files may also widen each
other (``int64`` in one file and ``double`` in the next make a ``double`` column).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.errors import SchemaConflict, masked


def delta_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema with types Delta can store (µs timestamps, signed ints, plain values).

    >>> delta_schema(pa.schema([("t", pa.timestamp("s")), ("n", pa.uint8())])).types
    [TimestampType(timestamp[us]), DataType(int16)]
    """
    return pa.schema([pa.field(f.name, delta_type(f.type), True, f.metadata) for f in schema])


def delta_type(t: pa.DataType) -> pa.DataType:
    """The type Delta stores for an Arrow type."""
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz=None if t.tz is None else "UTC")
    if pa.types.is_unsigned_integer(t):
        return {8: pa.int16(), 16: pa.int32(), 32: pa.int64()}.get(t.bit_width, pa.int64())
    if pa.types.is_dictionary(t):
        return delta_type(t.value_type)
    if pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t):
        return pa.string()
    if pa.types.is_date64(t):
        return pa.date32()
    if pa.types.is_float16(t):
        return pa.float32()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(delta_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, delta_type(f.type)) for f in t])
    return t


def fits(value: pa.DataType, into: pa.DataType) -> bool:
    """Can every value of type ``value`` be stored losslessly as ``into``?"""
    if value == into or pa.types.is_null(value):
        return True
    if pa.types.is_integer(value) and pa.types.is_integer(into):
        return into.bit_width >= value.bit_width and pa.types.is_signed_integer(into)
    if pa.types.is_integer(value) and pa.types.is_floating(into):
        return into.bit_width == 64 or value.bit_width <= 16
    if pa.types.is_floating(value) and pa.types.is_floating(into):
        return into.bit_width >= value.bit_width
    if pa.types.is_timestamp(value) and pa.types.is_timestamp(into):
        return (value.tz is None) == (into.tz is None)
    if pa.types.is_date(value) and pa.types.is_date(into):
        return True
    return bool(pa.types.is_string(into) and (pa.types.is_large_string(value) or pa.types.is_string_view(value)))


def _widest(a: pa.DataType, b: pa.DataType) -> pa.DataType | None:
    """The narrowest type both fit into, when there is one (before a table exists)."""
    if fits(a, b):
        return b
    if fits(b, a):
        return a
    if _numeric(a) and _numeric(b):
        return pa.float64() if pa.types.is_floating(a) or pa.types.is_floating(b) else pa.int64()
    return None


def _numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t)


def reconcile(base: pa.Schema, incoming: pa.Schema, *, table: str, uri: str, fixed: bool) -> pa.Schema:
    """``base`` extended by ``incoming``; ``fixed`` when ``base`` is a committed table's schema.

    >>> s = reconcile(pa.schema([("a", pa.int64())]), pa.schema([("a", pa.int32()), ("b", pa.string())]),
    ...               table="raw.t", uri="f.csv", fixed=True)
    >>> [(f.name, str(f.type)) for f in s]
    [('a', 'int64'), ('b', 'string')]
    """
    fields = {f.name: f for f in base}
    for f in incoming:
        if f.name not in fields:
            fields[f.name] = pa.field(f.name, delta_type(f.type), True)
            continue
        have = fields[f.name].type
        if fits(f.type, have):
            continue
        wider = None if fixed else _widest(have, delta_type(f.type))
        if wider is None:
            raise SchemaConflict(table, f.name, f"type {f.type} does not fit the column's type {have}", uri=uri)
        fields[f.name] = pa.field(f.name, wider, True)
    return pa.schema(list(fields.values()))


def conform(batch: pa.RecordBatch, schema: pa.Schema, *, table: str, uri: str) -> pa.RecordBatch:
    """``batch`` with exactly ``schema``'s columns, in order: missing ones null, types cast; a
    value the cast would change (out of range, sub-microsecond time) is a :class:`SchemaConflict`."""
    n = batch.num_rows
    arrays = []
    for f in schema:
        i = batch.schema.get_field_index(f.name)
        column = batch.column(i) if i >= 0 else pa.nulls(n, f.type)
        try:
            arrays.append(column if column.type == f.type else pc.cast(column, f.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
            raise SchemaConflict(table, f.name, f"a value does not fit {f.type} ({masked(str(e))})", uri=uri) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
