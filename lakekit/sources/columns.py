"""What a source's columns must be before a row of it is loaded. Pure.

Every format's header or keys become Delta column names, which SQL and Delta compare without
case. A file whose names are empty, hold control or invisible characters, repeat (in any case)
or nest deeper than :data:`MAX_DEPTH` is refused with the column's position: loading it would
drop columns, truncate names or crash a reader further down, never visibly.
"""

from __future__ import annotations

import re

import pyarrow as pa

from lakekit.core.names import shown
from lakekit.errors import SourceError

MAX_DEPTH = 64
"""Deepest nesting of structs and lists a source may have (JSON objects in objects, Parquet groups)."""
_NAME_LIKE = re.compile(r"[^\W][\w .\-]{0,63}")
"""A name an error may show: what a header holds. Text with quotes, braces, '@' and the like is a row
taken for a header (a file read in the wrong format), which may be personal data."""
_DATA_LIKE = "the names look like data, not a header (is the format right?)"


def check(uri: str, schema: pa.Schema) -> None:
    """Refuse ``schema`` (a source's) when it has no columns or a column ``name`` would be
    refused by :func:`problem`, at any depth.

    >>> check("f.csv", pa.schema([("id", pa.int64()), ("ID", pa.string())]))
    Traceback (most recent call last):
    ...
    lakekit.errors.SourceError: f.csv: column 2 'ID' repeats column 1 'id' (names are compared without case)
    """
    if len(schema) == 0:
        raise SourceError(uri, "no columns")
    try:
        _check_fields(uri, list(schema), "column", 1)
    except UnicodeDecodeError:
        raise SourceError(uri, "a column name is not UTF-8 text") from None


def _check_fields(uri: str, fields: list[pa.Field], what: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise SourceError(uri, f"nested deeper than {MAX_DEPTH} levels")
    seen: dict[str, int] = {}
    for position, field in enumerate(fields, 1):
        name = field.name
        place = f"{what} {position}"
        if trouble := problem(name):
            raise SourceError(uri, f"{place} {trouble}")
        if (first := seen.setdefault(name.lower(), position)) != position:
            if _NAME_LIKE.fullmatch(name):
                raise SourceError(uri, f"{place} {shown(name)} repeats {what} {first} "
                                       f"{shown(fields[first - 1].name)} (names are compared without case)")
            raise SourceError(uri, f"{place} repeats {what} {first}: {_DATA_LIKE}")
        _check_type(uri, field.type, f"field of {shown(name)}", depth + 1)


def _check_type(uri: str, t: pa.DataType, what: str, depth: int) -> None:
    """The fields inside a column of type ``t``: a struct's are named; a list's items and a map's
    keys and values are one level deeper, whatever a writer called them."""
    if depth > MAX_DEPTH:
        raise SourceError(uri, f"nested deeper than {MAX_DEPTH} levels")
    if pa.types.is_struct(t):
        _check_fields(uri, list(t), what, depth)
    elif pa.types.is_map(t):
        _check_type(uri, t.key_type, what, depth + 1)
        _check_type(uri, t.item_type, what, depth + 1)
    elif hasattr(t, "value_type") and not pa.types.is_dictionary(t):
        _check_type(uri, t.value_type, what, depth + 1)


def problem(name: str) -> str | None:
    """Why ``name`` cannot be a column name, or None.

    >>> problem(" "), problem("e\\u0301t\\u00e9"), problem("a b")
    ('has an empty name', None, None)
    >>> problem("a\\x00b")
    "has a control or invisible character in its name 'a\\\\x00b'"
    >>> problem('{"email": "ann@example.org\\u202e"}')
    'has a control or invisible character in its name: the names look like data, not a header (is the format right?)'
    """
    if not name.strip():
        return "has an empty name"
    if any(not ch.isprintable() for ch in name if ch != " "):
        if _NAME_LIKE.fullmatch("".join(ch for ch in name if ch.isprintable())):
            return f"has a control or invisible character in its name {shown(name)}"
        return f"has a control or invisible character in its name: {_DATA_LIKE}"
    return None
