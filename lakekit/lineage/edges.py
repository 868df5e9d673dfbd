"""The pipeline: SQL text → parsed statements → qualified queries → :class:`ColumnEdge` list."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from lakekit.core.results import ColumnEdge
from lakekit.errors import SqlError
from lakekit.lineage.catalog import build_catalog
from lakekit.lineage.deps import Carry, Deps
from lakekit.lineage.names import get_dialect
from lakekit.lineage.parse import Statement, parse_statements
from lakekit.lineage.qualify import qualify_statement
from lakekit.lineage.scopes import ScopeLineage


def column_lineage(sql: str, dialect: str | None = None, schema: Mapping[str, object] | None = None,
                   target: str | None = None, *, names: str | None = None) -> list[ColumnEdge]:
    """Column-level lineage of ``sql``: direct and indirect edges, sorted, without duplicates.

    ``schema`` maps table names to ``{column: type}`` (flat dotted names or nested, as
    sqlglot's ``MappingSchema`` takes it); ``target`` names the table a plain query writes.
    ``names`` is the dialect whose rules tell column names apart (default: ``dialect``): the
    lake's own tables pass ``"duckdb"``, where, as in Delta, no column name is case-sensitive.
    Pure: no I/O. Raises :class:`~lakekit.errors.SqlError` on SQL it cannot read or resolve.

    >>> for e in column_lineage("CREATE TABLE clean.u AS SELECT id, lower(email) AS email "
    ...                         "FROM raw.users WHERE NOT spam"):
    ...     print(e.source_column, "->", e.target_column, e.kind, e.subtype)
    email -> email direct transformation
    id -> id direct identity
    spam -> * indirect filter
    """
    edges: set[ColumnEdge] = set()
    for statement, lineage in _statements(sql, dialect, schema, target, names):
        edges.update(statement_edges(statement, lineage))
    return sorted(edges)


class ValueCopy(NamedTuple):
    """A target column holding the value of a base column: as is, normalised, or inside a larger value."""

    source_table: str
    source_column: str
    target_table: str
    target_column: str
    carry: Carry


def value_copies(sql: str, dialect: str | None = None, schema: Mapping[str, object] | None = None,
                 target: str | None = None, *, names: str | None = None) -> list[ValueCopy]:
    """The direct edges of :func:`column_lineage` along which a value survives (see
    :class:`~lakekit.lineage.deps.Carry`), sorted: where personal data can travel.

    >>> for c in value_copies("CREATE TABLE m.t AS SELECT id, lower(email) AS e, 'hi ' || name AS note, "
    ...                       "length(name) AS n FROM raw.users"):
    ...     print(c.source_column, "->", c.target_column, c.carry.name)
    email -> e FOLDED
    id -> id SAME
    name -> note EMBEDDED
    """
    found: dict[tuple[str, str, str, str], Carry] = {}
    for statement, lineage in _statements(sql, dialect, schema, target, names):
        for name, deps in _target_columns(statement, lineage).items():
            for (table, column), carry in deps.carried.items():
                key = (table, column, statement.target, name)
                found[key] = min(carry, found.get(key, carry))
    return sorted(ValueCopy(*key, carry) for key, carry in found.items())


def _statements(sql: str, dialect: str | None, schema: Mapping[str, object] | None, target: str | None,
                names: str | None) -> Iterator[tuple[Statement, ScopeLineage]]:
    spelling = get_dialect(names if names is not None else dialect)
    catalog = build_catalog(schema, spelling)
    for statement in parse_statements(sql, dialect, catalog, target, names=spelling):
        root = qualify_statement(statement, dialect, catalog, names=spelling)
        yield statement, ScopeLineage(root)


def statement_edges(statement: Statement, lineage: ScopeLineage) -> set[ColumnEdge]:
    """Edges of one statement, from the lineage of its qualified query."""
    outputs = lineage.outputs()
    per_column = _target_columns(statement, lineage)
    whole = set(lineage.whole())
    for condition in statement.conditions:
        deciding = outputs[condition.position][1]
        if not condition.columns:
            whole |= deciding.flatten("filter")
        for name in condition.columns:
            per_column[name] = per_column[name].with_indirect(deciding.flatten("conditional"))
    edges = {_edge(statement.target, "*", source, "indirect", subtype) for source, subtype in whole}
    for name, deps in per_column.items():
        for source, strength in deps.direct.items():
            edges.add(_edge(statement.target, name, source, "direct", strength.subtype))
        edges.update(_edge(statement.target, name, source, "indirect", subtype)
                     for source, subtype in deps.indirect)
    return edges


def _target_columns(statement: Statement, lineage: ScopeLineage) -> dict[str, Deps]:
    """Target column → what its values depend on (columns written twice merged)."""
    outputs = lineage.outputs()
    names = statement.columns if statement.columns is not None else tuple(name for name, _ in outputs)
    if len(names) != len(outputs):
        raise SqlError(f"{statement.where()}: {len(names)} target columns but the query gives {len(outputs)}",
                       sql=statement.text)
    per_column: dict[str, Deps] = {}
    for name, (_, deps) in zip(names, outputs, strict=True):
        if name is not None:
            per_column[name] = per_column[name].merge(deps) if name in per_column else deps
    return per_column


def _edge(target: str, column: str, source: tuple[str, str], kind: str, subtype: str) -> ColumnEdge:
    return ColumnEdge(source[0], source[1], target, column, kind, subtype)  # type: ignore[arg-type]

