"""The table-name grammar, in one place. Pure.

A table is ``namespace.name``; each part is 1 to :data:`MAX_PART` lower-case ASCII letters,
digits and ``_``, not starting with a digit, and not ``_delta_log`` (delta-rs takes a path with
that folder in it for a table's log). Such a name is a folder name on every filesystem
and object store, a URL path segment that needs no escaping, and an SQL identifier that needs
no quoting in any dialect lakekit reads (DuckDB, Spark, Snowflake, BigQuery...). Upper case is
refused rather than folded: SQL folds unquoted identifiers, so ``Raw.Users`` in a query is
``raw.users``, and a table created as ``Raw.Users`` could never be read back by SQL.

Every layer checks names with :func:`check` (storage does, before it builds a path), so what
one layer accepts every layer accepts, and a refused name is refused before anything is
written. The ``_lakekit`` namespace holds lakekit's own tables: it can be read, but only
lakekit writes it (:func:`check_writable`).
"""

from __future__ import annotations

import re

from lakekit.errors import InvalidTableName

MAX_PART = 64
"""Longest namespace or name, in characters."""
RESERVED_NAMESPACE = "_lakekit"
DELTA_LOG = "_delta_log"
"""Refused as a part: delta-rs finds a table's log by this folder name anywhere in its path."""
_PART = re.compile(rf"[a-z_][a-z0-9_]{{0,{MAX_PART - 1}}}")
PATTERN = rf"^{_PART.pattern}\.{_PART.pattern}$"
"""The grammar's characters as one regular expression, for the schemas of lakekit's index tables
(polars' regular expressions have no look-ahead to spell the reserved ``_delta_log`` part)."""
_SHOWN = 80


def check(table: str) -> tuple[str, str]:
    """``(namespace, name)`` of a valid table name; :class:`InvalidTableName` otherwise.

    >>> check("raw.users")
    ('raw', 'users')
    >>> check("Raw.Users")
    Traceback (most recent call last):
    ...
    lakekit.errors.InvalidTableName: table names are lower-case: 'Raw.Users' (use 'raw.users')
    >>> check("r.a b")
    Traceback (most recent call last):
    ...
    lakekit.errors.InvalidTableName: table names are namespace.name (a-z, 0-9, _; 1-64 each; no leading digit): 'r.a b'
    """
    if not isinstance(table, str):
        raise InvalidTableName(f"a table name is a string 'namespace.name', got {type(table).__name__}")
    parts = table.split(".")
    if DELTA_LOG in parts:
        raise InvalidTableName(f"table names cannot have a part '{DELTA_LOG}' (the folder of a Delta table's log): "
                               f"{shown(table)}")
    if len(parts) == 2 and all(_PART.fullmatch(p) for p in parts):
        return parts[0], parts[1]
    lowered = table.lower()
    if lowered != table and len(parts) == 2 and all(_PART.fullmatch(p) for p in lowered.split(".")):
        raise InvalidTableName(f"table names are lower-case: {shown(table)} (use {shown(lowered)})")
    raise InvalidTableName(f"table names are namespace.name (a-z, 0-9, _; 1-{MAX_PART} each; no leading digit): "
                           f"{shown(table)}")


def valid(table: str) -> bool:
    """Whether ``table`` is a valid name (:func:`check` without the error).

    >>> valid("raw.users"), valid("raw.Users"), valid("raw.users.x")
    (True, False, False)
    """
    try:
        check(table)
    except InvalidTableName:
        return False
    return True


def check_writable(table: str) -> str:
    """``table`` when a user may write it: valid, and not in lakekit's own namespace.

    >>> check_writable("_lakekit.loads")
    Traceback (most recent call last):
    ...
    lakekit.errors.InvalidTableName: the namespace '_lakekit' holds lakekit's own tables; write elsewhere
    """
    namespace, _ = check(table)
    if namespace == RESERVED_NAMESPACE:
        raise InvalidTableName(f"the namespace '{RESERVED_NAMESPACE}' holds lakekit's own tables; write elsewhere")
    return table


def suggest(namespace: str, name: str) -> str:
    """The valid table name closest to a folder ``namespace/name``: lower case, runs of other
    characters as ``_``. For tables an older lakekit made under names this grammar refuses
    (``lakekit repair`` renames them).

    >>> suggest("Demo", "Upper"), suggest("fz", "a b"), suggest("n", "[a]"), suggest("x", "9lives")
    ('demo.upper', 'fz.a_b', 'n._a_', 'x._9lives')
    """
    return f"{_part(namespace)}.{_part(name)}"


def _part(text: str) -> str:
    part = re.sub(r"[^a-z0-9_]+", "_", text.lower()) or "_"
    part = (f"_{part}" if part[0].isdigit() else part)[:MAX_PART]
    return f"{part}_" if part == DELTA_LOG else part


def shown(text: str) -> str:
    """A name as an error shows it: quoted, control and invisible characters escaped, shortened.

    >>> shown("a\\nb")
    "'a\\\\nb'"
    """
    escaped = "".join(ch if (ch.isprintable() and ch.isascii()) or ch.isalnum() else ascii(ch)[1:-1] for ch in text)
    return "'" + (escaped if len(escaped) <= _SHOWN else escaped[:_SHOWN] + "…") + "'"
