"""The ``schema`` argument, normalised: full lower-case table name → its column names.

Accepts what sqlglot's ``MappingSchema`` takes (nested ``{db: {table: {column: type}}}``) and
the flat form with dotted names (``{"raw.users": {"id": "int"}}``); both may be mixed.
"""

from __future__ import annotations

from collections.abc import Mapping

from lakekit.errors import SqlError

Catalog = Mapping[str, tuple[str, ...]]
"""Table name as written (lower-case, dotted) → its columns in order."""


def build_catalog(schema: Mapping[str, object] | None) -> dict[str, tuple[str, ...]]:
    """Flatten a schema mapping into a :data:`Catalog`.

    >>> build_catalog({"raw": {"Users": {"ID": "int", "email": "text"}}, "t": {"a": "int"}})
    {'raw.users': ('id', 'email'), 't': ('a',)}
    """
    catalog: dict[str, tuple[str, ...]] = {}
    _collect(schema or {}, (), catalog)
    return catalog


def _collect(node: Mapping[str, object], prefix: tuple[str, ...], catalog: dict[str, tuple[str, ...]]) -> None:
    for key, value in node.items():
        name = (*prefix, str(key).lower())
        if not isinstance(value, Mapping) or not value:
            raise SqlError(f"schema entry '{'.'.join(name)}' is not a mapping of columns to types")
        if all(isinstance(v, Mapping) for v in value.values()):
            _collect(value, name, catalog)
        elif any(isinstance(v, Mapping) for v in value.values()):
            raise SqlError(f"schema entry '{'.'.join(name)}' mixes tables and columns")
        else:
            catalog[".".join(name)] = tuple(str(column).lower() for column in value)
