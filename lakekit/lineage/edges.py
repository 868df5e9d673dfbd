"""The pipeline: SQL text → parsed statements → qualified queries → :class:`ColumnEdge` list."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from typing import Literal, NamedTuple

from lakekit.core.results import ColumnEdge
from lakekit.errors import SqlError, UsageError
from lakekit.lineage.catalog import build_catalog
from lakekit.lineage.deps import BaseColumn, Carry, Deps
from lakekit.lineage.names import WILDCARD, get_dialect
from lakekit.lineage.parse import LineageWarning, Statement, parse_statements
from lakekit.lineage.qualify import qualify_statement
from lakekit.lineage.scopes import ScopeLineage

Errors = Literal["strict", "warn"]


def column_lineage(sql: str, dialect: str | None = None, schema: Mapping[str, object] | None = None,
                   target: str | None = None, *, names: str | None = None,
                   errors: Errors = "strict") -> list[ColumnEdge]:
    """Column-level lineage of ``sql``: direct and indirect edges, sorted, without duplicates.

    ``schema`` maps table names to ``{column: type}`` (flat dotted names or nested, as
    sqlglot's ``MappingSchema`` takes it); ``target`` names the table a plain query writes
    (default: :data:`~lakekit.lineage.parse.QUERY_TARGET`, ``"<query>"``). Without a schema,
    ``*`` over a table gives wildcard edges (``t.*`` → ``target.*``, marked ``unresolved``), and a
    column several tables could hold is left without lineage, named in a :class:`LineageWarning`
    (a guess among tables would be wrong more often than right). ``names`` is the dialect
    whose rules tell column names apart (default: ``dialect``): the lake's own tables pass
    ``"duckdb"``, where, as in Delta, no column name is case-sensitive. Pure: no I/O.

    ``errors="strict"`` raises :class:`~lakekit.errors.SqlError` on the first statement it cannot
    read or resolve; ``errors="warn"`` returns the edges of every statement it could analyse and
    issues one :class:`LineageWarning` per statement it could not, and per column it read as NULL
    (one its table lacks, or one no source in scope holds).

    >>> for e in column_lineage("CREATE TABLE clean.u AS SELECT id, lower(email) AS email "
    ...                         "FROM raw.users WHERE NOT spam"):
    ...     print(e.source_column, "->", e.target_column, e.kind, e.subtype)
    email -> email direct transformation
    id -> id direct identity
    spam -> * indirect filter
    """
    return _traced(sql, dialect, schema, target, names, errors).edges


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
    return _traced(sql, dialect, schema, target, names, "strict").copies


class Traced(NamedTuple):
    """What one pass over a statement's SQL gives: :func:`column_lineage` and :func:`value_copies`."""

    edges: list[ColumnEdge]
    copies: list[ValueCopy]


def traced(sql: str, dialect: str | None = None, schema: Mapping[str, object] | None = None,
           target: str | None = None, *, names: str | None = None) -> Traced:
    """:func:`column_lineage` and :func:`value_copies` of ``sql`` (strict), from one parse and
    qualification of it: what a transform records of its statement.

    >>> t = traced("CREATE TABLE m.t AS SELECT lower(email) AS e FROM raw.users WHERE NOT spam")
    >>> [(e.source_column, e.target_column, e.kind) for e in t.edges]
    [('email', 'e', 'direct'), ('spam', '*', 'indirect')]
    >>> [(c.source_column, c.target_column, c.carry.name) for c in t.copies]
    [('email', 'e', 'FOLDED')]
    """
    return _traced(sql, dialect, schema, target, names, "strict")


def _traced(sql: str, dialect: str | None, schema: Mapping[str, object] | None, target: str | None,
            names: str | None, errors: Errors) -> Traced:
    edges: set[ColumnEdge] = set()
    found: dict[tuple[str, str, str, str], Carry] = {}
    for statement, lineage in _statements(sql, dialect, schema, target, names, errors):
        edges.update(statement_edges(statement, lineage))
        for name, deps in _target_columns(statement, lineage).items():
            for (table, column), carry in deps.carried.items():
                key = (table, column, statement.target, name)
                found[key] = min(carry, found.get(key, carry))
    return Traced(sorted(edges), sorted(ValueCopy(*key, carry) for key, carry in found.items()))


def _statements(sql: str, dialect: str | None, schema: Mapping[str, object] | None, target: str | None,
                names: str | None, errors: Errors) -> Iterator[tuple[Statement, ScopeLineage]]:
    if errors not in ("strict", "warn"):
        raise UsageError(f"errors= is 'strict' or 'warn', not {errors!r}")
    warn = None if errors == "strict" else _warn
    spelling = get_dialect(names if names is not None else dialect)
    catalog = build_catalog(schema, spelling)
    for statement in parse_statements(sql, dialect, catalog, target, names=spelling, on_error=warn):
        try:
            root = qualify_statement(statement, dialect, catalog, names=spelling, on_error=warn)
            lineage = ScopeLineage(root)
            written = list(_target_columns(statement, lineage))  # every error of the statement, raised here
            statement_edges(statement, lineage)
        except SqlError as e:
            if warn is None:
                raise
            warn(e)
            continue
        if statement.creates and WILDCARD not in written and statement.target not in catalog:
            catalog[statement.target] = tuple(written)  # a table the script made: later statements read it
        yield statement, lineage


def _warn(error: SqlError) -> None:
    warnings.warn(str(error), LineageWarning, stacklevel=4)


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
    unresolved = lineage.unresolved
    edges = {_edge(statement.target, "*", source, "indirect", subtype, unresolved) for source, subtype in whole}
    for name, deps in per_column.items():
        for source, strength in deps.direct.items():
            edges.add(_edge(statement.target, name, source, "direct", strength.subtype, unresolved))
        edges.update(_edge(statement.target, name, source, "indirect", subtype, unresolved)
                     for source, subtype in deps.indirect)
    return edges


def _target_columns(statement: Statement, lineage: ScopeLineage) -> dict[str, Deps]:
    """Target column → what its values depend on (columns written twice merged)."""
    outputs = lineage.outputs()
    names = statement.columns if statement.columns is not None else tuple(name for name, _ in outputs)
    if statement.columns is not None and any(name == WILDCARD for name, _ in outputs):
        # `INSERT INTO t (a, b) SELECT * FROM s` over unknown columns: everything into `t.*`.
        names = tuple(WILDCARD if column is not None else None for column in names[:1]) * len(outputs)
    if len(names) != len(outputs):
        raise SqlError(f"{statement.where()}: {len(names)} target columns but the query gives {len(outputs)}",
                       sql=statement.text)
    per_column: dict[str, Deps] = {}
    for name, (_, deps) in zip(names, outputs, strict=True):
        if name is not None:
            per_column[name] = per_column[name].merge(deps) if name in per_column else deps
    return per_column


def _edge(target: str, column: str, source: BaseColumn, kind: str, subtype: str,
          unresolved: set[BaseColumn]) -> ColumnEdge:
    guess = source in unresolved or source[1] == WILDCARD or (kind == "direct" and column == WILDCARD)
    return ColumnEdge(source[0], source[1], target, column, kind, subtype, guess)  # type: ignore[arg-type]

