"""Schema evolution: how incoming Arrow schemas fold into a table's. Pure.

Rules: a new column is added (nullable); a missing column reads as null; a value type
that widens losslessly into the table's type is cast (``int32`` → ``int64``, ``int`` →
``double``, any unit of timestamp → µs, null → anything); anything else is a conflict
naming the column and the file. Before a table exists, two files may also widen each
other (``int64`` in one file and ``double`` in the next make a ``double`` column).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.errors import SchemaConflict, masked


def delta_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema with types Delta can store (µs timestamps, signed ints, plain values).

    >>> delta_schema(pa.schema([("t", pa.timestamp("s")), ("n", pa.uint8())])).types
    [TimestampType(timestamp[us]), DataType(int16)]
    """
    return pa.schema([pa.field(f.name, delta_type(f.type), True, f.metadata) for f in schema])

def plain_type(t: pa.DataType) -> pa.DataType:
    """The plain Arrow type of a column: what lakekit reads it as, whatever layout a writer chose
    (views, large offsets, dictionary encoding), at any depth.

    >>> plain_type(pa.struct([("s", pa.string_view()), ("l", pa.large_list(pa.binary_view()))]))
    StructType(struct<s: string, l: list<item: binary>>)
    >>> plain_type(pa.dictionary(pa.int32(), pa.large_string()))
    DataType(string)
    """
    return rebuilt(t, _plain_leaf)

def delta_type(t: pa.DataType) -> pa.DataType:
    """The type Delta stores for an Arrow type: its plain type, with µs timestamps (in UTC when
    zoned: the same instants), signed integers, ``date32``, ``float32`` for ``float16``."""
    return rebuilt(t, _delta_leaf)

def same_type(a: pa.DataType, b: pa.DataType) -> bool:
    """Equal types, whatever writers named list items and map entries.

    >>> same_type(pa.list_(pa.field("element", pa.int64())), pa.list_(pa.int64()))
    True
    """
    return a == b or rebuilt(a, _unnamed_leaf) == rebuilt(b, _unnamed_leaf)

def rebuilt(t: pa.DataType, leaf: Callable[[pa.DataType], pa.DataType]) -> pa.DataType:
    """``t`` with ``leaf`` applied to every type that nests no other, dictionaries as their values.

    >>> rebuilt(pa.struct([("a", pa.list_(pa.null()))]), lambda t: pa.string() if t == pa.null() else t)
    StructType(struct<a: list<item: string>>)
    """
    if pa.types.is_dictionary(t):
        return rebuilt(t.value_type, leaf)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t) \
            or pa.types.is_large_list_view(t) or pa.types.is_fixed_size_list(t):
        item = t.value_field.with_type(rebuilt(t.value_type, leaf))
        return pa.list_(item.with_name("item") if leaf is _unnamed_leaf else item)
    if pa.types.is_map(t):
        return pa.map_(t.key_field.with_type(rebuilt(t.key_type, leaf)),
                       t.item_field.with_type(rebuilt(t.item_type, leaf)))
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(rebuilt(f.type, leaf)) for f in t])
    return leaf(t)

def _plain_leaf(t: pa.DataType) -> pa.DataType:
    if pa.types.is_string_view(t) or pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_binary_view(t) or pa.types.is_large_binary(t):
        return pa.binary()
    return t

def _unnamed_leaf(t: pa.DataType) -> pa.DataType:
    return t

def storable(t: pa.DataType) -> bool:
    """Whether Delta has a type for ``t`` (a :func:`delta_type`): no times of day, durations,
    intervals, unions or decimals wider than 38 digits.

    >>> storable(pa.list_(pa.struct([("d", pa.decimal128(38, 2))]))), storable(pa.struct([("t", pa.time64("us"))]))
    (True, False)
    """
    if pa.types.is_list(t):
        return storable(t.value_type)
    if pa.types.is_map(t):
        return storable(t.key_type) and storable(t.item_type)
    if pa.types.is_struct(t):
        return all(storable(f.type) for f in t)
    return t in _STORABLE or pa.types.is_decimal128(t) or (pa.types.is_timestamp(t) and t.unit == "us")


_STORABLE = {pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.float32(), pa.float64(), pa.bool_(), pa.string(),
             pa.binary(), pa.date32()}


def _delta_leaf(t: pa.DataType) -> pa.DataType:
    if isinstance(t, pa.BaseExtensionType):
        t = t.storage_type
    if pa.types.is_fixed_size_binary(t):
        return pa.binary()
    t = _plain_leaf(t)
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz=None if t.tz is None else "UTC")
    if pa.types.is_unsigned_integer(t):
        return {8: pa.int16(), 16: pa.int32(), 32: pa.int64()}.get(t.bit_width, pa.int64())
    if pa.types.is_null(t):
        return pa.string()
    if pa.types.is_date64(t):
        return pa.date32()
    if pa.types.is_float16(t):
        return pa.float32()
    return t

def fits(value: pa.DataType, into: pa.DataType) -> bool:
    """Can every value of type ``value`` be stored losslessly as ``into``?"""
    if pa.types.is_null(value) or same_type(value, into) or same_type(delta_type(value), into):
        return True
    if pa.types.is_integer(value) and pa.types.is_integer(into):
        return into.bit_width >= value.bit_width and pa.types.is_signed_integer(into)
    if pa.types.is_integer(value) and pa.types.is_floating(into):
        return into.bit_width == 64 or value.bit_width <= 16
    if pa.types.is_floating(value) and pa.types.is_floating(into):
        return into.bit_width >= value.bit_width
    if pa.types.is_timestamp(value) and pa.types.is_timestamp(into):
        return (value.tz is None) == (into.tz is None)
    return pa.types.is_date(value) and pa.types.is_date(into)

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
            if not storable(delta_type(f.type)):
                raise SchemaConflict(table, f.name, f"type {f.type} cannot be stored in a Delta table", uri=uri)
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
