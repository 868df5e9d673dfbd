"""Python values as Arrow, without pandas.

pyarrow 26 imports pandas (~36 MB of a process's memory) on any conversion of Python values
(``pa.array``, ``pa.scalar``, ``pa.table`` of lists; a NumPy array too) to ask whether they are
pandas objects; its JSON reader does not. The rows lakekit makes itself (index rows, the values it
stamps into batches) go through here, so a transform or an ingest leaves pandas unloaded. Values
are ``None``, ``bool``, ``int``, ``float``, ``str`` and ``datetime`` (ISO 8601; a naive one is UTC,
as pyarrow takes it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.json as pajson


def table(columns: Mapping[str, Sequence[Any]], schema: pa.Schema) -> pa.Table:
    """``columns`` (name → values, in ``schema``'s names) as a table of ``schema``.

    >>> table({"a": [1, None], "b": ["x", "y"]}, pa.schema([("a", pa.int64()), ("b", pa.string())])).to_pylist()
    [{'a': 1, 'b': 'x'}, {'a': None, 'b': 'y'}]
    """
    rows = list(zip(*(columns[n] for n in schema.names), strict=True))
    if not rows:
        return pa.Table.from_batches([], schema=schema)
    text = "".join(json.dumps(dict(zip(schema.names, row, strict=True)), default=_iso) + "\n"
                   for row in rows).encode()
    return pajson.read_json(
        pa.BufferReader(text),
        read_options=pajson.ReadOptions(use_threads=False, block_size=len(text) + 1),
        parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"))


def array(values: Sequence[Any], type: pa.DataType) -> pa.Array:
    """``values`` as an array of ``type``.

    >>> array([True, False], pa.bool_()).to_pylist()
    [True, False]
    """
    return table({"v": values}, pa.schema([("v", type)])).column(0).combine_chunks()


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a value lakekit writes to its own rows")
