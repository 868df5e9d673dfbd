"""Pass 2c: a table's alias read as a value is the struct of its row (BigQuery).

BigQuery reads ``SELECT t FROM t``, ``ARRAY_AGG(t ORDER BY ts DESC LIMIT 1)`` or
``TO_JSON_STRING(t)`` as the row of ``t``: a struct with one field per column. Its fields are the
table's columns (a table of unknown columns gives its wildcard column ``t."*"``).
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, find_all_in_scope

from lakekit.lineage.catalog import Catalog
from lakekit.lineage.names import WILDCARD
from lakekit.lineage.sources import Names, column_names, holds, own_columns, source_of


def read_rows(scopes: list[Scope], catalog: Catalog, *, bare: bool = False) -> None:
    """A table's alias read as a value (BigQuery ``SELECT t``, ``ARRAY_AGG(t)``, ``TO_JSON_STRING(t)``)
    is the struct of its row: one field per column (a table of unknown columns: its wildcard).
    sqlglot marks it (``TableColumn``) where it knows the columns; ``bare``: also an unqualified
    name that is a source's alias and that no source's schema holds."""
    names = Names(catalog)
    for scope in scopes:
        rows: list[exp.Expr] = list(find_all_in_scope(scope.expression, exp.TableColumn))
        if bare:
            sources = [source for _, source in scope.selected_sources.values()]
            rows += [column for column in own_columns(scope) if not column.table and _is_relation(scope, column.name)
                     and not any(holds(source, column.name, catalog, names) for source in sources)]
        for row in rows:
            source = source_of(scope, row.name)
            fields = [exp.column(exp.to_identifier(name, quoted=True), table=row.name)
                      for name in (column_names(source, catalog) if source is not None else [])]
            struct = exp.Struct(expressions=[f if f.name == WILDCARD else exp.alias_(f, f.name) for f in fields])
            row.replace(exp.alias_(struct, row.name) if row.parent is scope.expression else struct)


def _is_relation(scope: Scope, alias: str) -> bool:
    """``alias`` names a table or a query among the scope's sources (not an UNNEST, whose alias is
    its element)."""
    found = scope.selected_sources.get(alias)
    source = found[1] if found is not None else None
    return isinstance(source, exp.Table) or (isinstance(source, Scope) and isinstance(source.expression, exp.Query))
