"""The ``schema`` argument, normalised: full lower-case table name → its column names.

Accepts what sqlglot's ``MappingSchema`` takes (nested ``{db: {table: {column: type}}}``) and
the flat form with dotted names (``{"raw.users": {"id": "int"}}``); both may be mixed. A struct's
field may be listed by its path (``widget.asset.id``, as BigQuery's column field paths list it):
it names the struct column ``widget``, and ``*`` gives that column once. Column
names are the names as stored, read as quoted identifiers of the dialect: in Postgres
``"UserId"`` and ``"userid"`` are two columns, in DuckDB one (see :mod:`lakekit.lineage.names`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot.dialects.dialect import Dialect

from lakekit.errors import SqlError
from lakekit.lineage.names import spelling

Catalog = Mapping[str, tuple[str, ...]]
"""Table name as written (lower-case, dotted) → its columns in order."""


def build_catalog(schema: Mapping[str, object] | None, dialect: Dialect) -> dict[str, tuple[str, ...]]:
    """Flatten a schema mapping into a :data:`Catalog`.

    >>> from lakekit.lineage.names import get_dialect
    >>> build_catalog({"raw": {"Users": {"ID": "int", "email": "text"}}, "t": {"a": "int"}}, get_dialect("duckdb"))
    {'raw.users': ('id', 'email'), 't': ('a',)}
    >>> build_catalog({"raw.users": {"UserId": "int", "userid": "int"}}, get_dialect("postgres"))
    {'raw.users': ('UserId', 'userid')}
    >>> build_catalog({"t": {"id": "int", "widget.asset.id": "int", "widget.color": "text"}}, get_dialect("bigquery"))
    {'t': ('id', 'widget')}
    """
    catalog: dict[str, tuple[str, ...]] = {}
    _collect(schema or {}, (), catalog, dialect)
    return catalog


def _collect(node: Mapping[str, object], prefix: tuple[str, ...], catalog: dict[str, tuple[str, ...]],
             dialect: Dialect) -> None:
    for key, value in node.items():
        name = (*prefix, str(key).lower())
        if not isinstance(value, Mapping) or not value:
            raise SqlError(f"schema entry '{'.'.join(name)}' is not a mapping of columns to types")
        if all(isinstance(v, Mapping) for v in value.values()):
            _collect(value, name, catalog, dialect)
        elif any(isinstance(v, Mapping) for v in value.values()):
            raise SqlError(f"schema entry '{'.'.join(name)}' mixes tables and columns")
        else:
            # `widget.asset.id`: a field of the column `widget`, not a column of its own
            roots = (spelling(str(column), True, dialect).split(".", 1)[0] for column in value)
            catalog[".".join(name)] = tuple(dict.fromkeys(roots))


def known_as(name: str, catalog: Catalog) -> str:
    """The catalog's name for a table written ``name``: itself, else the one catalog table whose
    name it ends (``dataset.t`` for ``proj.dataset.t``) or that ends it (``t`` for ``db.s.t``).

    >>> known_as("dataset.t", {"proj.dataset.t": ("a",), "proj.other.t": ("b",)})
    'proj.dataset.t'
    >>> known_as("t", {"proj.dataset.t": ("a",), "proj.other.t": ("b",)})
    't'
    """
    if name in catalog:
        return name
    found = [key for key in catalog if key.endswith(f".{name}") or name.endswith(f".{key}")]
    return found[0] if len(found) == 1 else name
