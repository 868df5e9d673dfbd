"""What a transform's SQL asks for: its target, the query that makes the rows, how they land. Pure.

``CREATE TABLE … AS`` overwrites, ``INSERT INTO`` appends (a column list renames the
query's columns), ``MERGE INTO … USING … ON t.k = s.k`` upserts on the ON keys (``UPDATE
SET *`` or a column list, ``INSERT *`` or a column list), a plain query takes the caller's
mode. ``UPDATE t SET c = e [WHERE w]`` and ``DELETE FROM t [WHERE w]`` rewrite the table in
place: the query reads it (``SELECT CASE WHEN w THEN e ELSE c END AS c, … FROM t``; ``SELECT *
FROM t WHERE NOT COALESCE(w, FALSE)``) and its rows overwrite it; one that reads other tables
(``UPDATE … FROM``, ``DELETE … USING``) is refused: write it as a MERGE. The query is returned
in the statement's own dialect, ready for the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from lakekit.core.results import WriteMode
from lakekit.errors import UsageError
from lakekit.lineage.parse import parse_one


@dataclass(frozen=True)
class Statement:
    """A transform statement taken apart."""

    target: str | None
    query: str
    mode: WriteMode | None = None
    keys: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    updates: tuple[str, ...] | None = None
    in_place: bool = False
    """An UPDATE or DELETE: the query reads the target it overwrites."""


def table_name(node: exp.Table) -> str:
    """``namespace.name`` of a table reference, lower-case (a catalog or project is dropped)."""
    return f"{node.db}.{node.name}".lower() if node.db else node.name.lower()


def parse(sql: str, dialect: str, columns_of: Callable[[str], Sequence[str]] | None = None) -> Statement:
    """Take one transform statement apart; ``columns_of`` gives a table's columns, which an
    UPDATE's query lists (without it, the query only tells what the statement reads).

    >>> s = parse("INSERT INTO clean.u (a) SELECT x FROM raw.u", "snowflake")
    >>> (s.target, s.mode, s.columns, s.query)
    ('clean.u', 'append', ('a',), 'SELECT x FROM raw.u')
    """
    tree = parse_one(sql, dialect)
    if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
        return Statement(table_name(tree.this.find(exp.Table) or tree.this), tree.expression.sql(dialect), "overwrite")
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
        into = tree.this
        columns = tuple(c.name for c in into.expressions) if isinstance(into, exp.Schema) else ()
        node = into.this if isinstance(into, exp.Schema) else into
        return Statement(table_name(node), tree.expression.sql(dialect), "overwrite" if tree.args.get("overwrite")
                         else "append", columns=columns)
    if isinstance(tree, exp.Merge):
        return _merge(tree, dialect)
    if isinstance(tree, exp.Update | exp.Delete):
        return _in_place(tree, dialect, columns_of)
    if isinstance(tree, exp.Query):
        return Statement(None, tree.sql(dialect))
    raise UsageError("a transform is a query, CREATE TABLE AS, INSERT INTO, MERGE INTO, UPDATE or DELETE, "
                     f"not {tree.key.upper()}")


def _in_place(tree: exp.Update | exp.Delete, dialect: str,
              columns_of: Callable[[str], Sequence[str]] | None) -> Statement:
    """An UPDATE or DELETE as the query of the table's rows after it (see the module's docstring).

    >>> parse("UPDATE s.t SET a = a + 1 WHERE b > 0", "duckdb", lambda _: ["a", "b"]).query
    'SELECT CASE WHEN b > 0 THEN a + 1 ELSE a END AS a, b FROM s.t'
    >>> parse("DELETE FROM s.t WHERE b > 0", "duckdb").query
    'SELECT * FROM s.t WHERE NOT COALESCE(b > 0, FALSE)'
    """
    kind = tree.key.upper()
    table = tree.this
    if not isinstance(table, exp.Table) or table.args.get("joins") or tree.args.get("from_") \
            or tree.args.get("using") or tree.args.get("tables"):
        raise UsageError(f"{kind} as a transform changes one table by its own columns; one that reads other "
                         "tables (FROM, USING, JOIN) is not supported: write it as MERGE INTO")
    where = tree.args.get("where")
    condition = where.this if isinstance(where, exp.Where) else None
    target = table_name(table)
    if isinstance(tree, exp.Delete):
        kept = exp.not_(exp.func("COALESCE", condition.copy(), exp.false())) if condition is not None else exp.false()
        return Statement(target, exp.select("*").from_(table.copy()).where(kept).sql(dialect), "overwrite",
                         in_place=True)
    values = {eq.this.name.lower(): eq.expression for eq in tree.expressions if isinstance(eq, exp.EQ)}
    items: list[exp.Expr] = []
    for column in columns_of(target) if columns_of is not None else ["*"]:
        value = values.pop(column.lower(), None)
        if value is None:
            items.append(exp.column(column) if column != "*" else exp.Star())
            continue
        chosen = value.copy() if condition is None else exp.Case(
            ifs=[exp.If(this=condition.copy(), true=value.copy())], default=exp.column(column))
        items.append(exp.alias_(chosen, column))
    if values and columns_of is not None:
        raise UsageError(f"UPDATE sets {', '.join(sorted(values))}, which '{target}' does not have")
    return Statement(target, exp.select(*items).from_(table.copy()).sql(dialect), "overwrite", in_place=True)


def _merge(tree: exp.Merge, dialect: str) -> Statement:
    target = tree.this
    source = tree.args["using"]
    alias = source.alias_or_name
    keys = []
    for eq in _conjuncts(tree.args["on"]):
        sides = [c for c in (eq.left, eq.right) if isinstance(c, exp.Column)] if isinstance(eq, exp.EQ) else []
        if len(sides) != 2 or {sides[0].name, sides[1].name} != {sides[0].name}:
            raise UsageError("MERGE ON must be equalities of same-named columns (t.k = s.k AND …)")
        keys.append(sides[0].name)
    updates: tuple[str, ...] | None = None
    projection: list[exp.Expr] = [exp.Star()]
    whens = tree.args.get("whens")
    for when in whens.expressions if whens else []:
        then = when.args["then"]
        if when.args.get("matched") and isinstance(then, exp.Update):
            sets = [e for e in then.expressions if isinstance(e, exp.EQ)]
            updates = tuple(e.left.name for e in sets) if sets else None
        elif not when.args.get("matched") and isinstance(then, exp.Insert):
            names = then.this.expressions if isinstance(then.this, exp.Tuple) else []
            values = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
            if names:
                projection = [exp.alias_(v.copy(), n.name) for n, v in zip(names, values, strict=True)]
        else:
            raise UsageError("MERGE supports WHEN MATCHED THEN UPDATE and WHEN NOT MATCHED THEN INSERT")
    rows = source.this.copy() if isinstance(source, exp.Subquery) else source.copy()
    origin = rows.subquery(alias) if isinstance(rows, exp.Query) else exp.alias_(rows, alias, table=True)
    query = exp.select(*projection).from_(origin)
    return Statement(table_name(target), query.sql(dialect), "merge", tuple(keys), updates=updates)


def _conjuncts(condition: exp.Expr) -> list[exp.Expr]:
    if isinstance(condition, exp.And):
        return [*_conjuncts(condition.left), *_conjuncts(condition.right)]
    return [condition.unnest()]
