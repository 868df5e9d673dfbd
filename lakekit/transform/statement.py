"""What a transform's SQL asks for: its target, the query that makes the rows, how they land. Pure.

``CREATE TABLE … AS`` overwrites, ``INSERT INTO`` appends (a column list renames the
query's columns), ``MERGE INTO … USING … ON t.k = s.k`` upserts on the ON keys (``UPDATE
SET *`` or a column list, ``INSERT *`` or a column list), a plain query takes the caller's
mode. ``UPDATE t SET c = e [FROM s] [WHERE w]`` and ``DELETE FROM t [USING s] [WHERE w]``
change the table in place. Their :class:`Change` is what delta-rs can run on the target's own
columns (:mod:`lakekit.transform.native`); their query is the table's rows after the statement,
which overwrite it when it cannot (``SELECT CASE WHEN w THEN CAST(e AS <c's type>) ELSE c END
AS c, … FROM t``; ``SELECT * FROM t WHERE NOT COALESCE(w, FALSE)``; with FROM or USING, ``w``
becomes ``EXISTS (SELECT 1 FROM s WHERE w)`` and ``e`` the scalar subquery ``(SELECT e FROM s
WHERE w)``; T-SQL's and MySQL's joins to the target are read the same way: :func:`_parts`). The
query is returned in the statement's own dialect, ready for the engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
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
    change: Change | None = None
    """An UPDATE or DELETE: the change itself, besides its query (which reads the target it overwrites)."""
    tree: exp.Query | None = dataclasses.field(default=None, compare=False, repr=False)
    """``query`` parsed: prepared for the engine as it is (:func:`lakekit.transform.query.prepare`
    takes it over), not parsed a second time."""

    @property
    def in_place(self) -> bool:
        return self.change is not None


@dataclass(frozen=True)
class Change:
    """An UPDATE or DELETE of a table by its own columns."""

    kind: Literal["update", "delete"]
    condition: exp.Expr | None
    assignments: tuple[tuple[str, exp.Expr], ...]
    """An UPDATE's ``(column as the table names it, value)``."""
    changed: str = ""
    """An UPDATE's query of the rows it picks, as they are after it (what an audit checks)."""
    joined: bool = False
    """It reads other tables too (an UPDATE's FROM, a DELETE's USING)."""
    picked: str = ""
    """The query counting the rows it picks (column ``n``): the rows it updates or deletes."""


_DUCKDB_TYPES = {pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
                 pa.uint8(): "UTINYINT", pa.uint16(): "USMALLINT", pa.uint32(): "UINTEGER", pa.uint64(): "UBIGINT",
                 pa.float32(): "FLOAT", pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN", pa.string(): "VARCHAR",
                 pa.large_string(): "VARCHAR", pa.date32(): "DATE", pa.binary(): "BLOB", pa.large_binary(): "BLOB"}
"""How DuckDB names the Arrow types of a table's columns, for an UPDATE's value to keep its column's type."""


def table_name(node: exp.Table) -> str:
    """``namespace.name`` of a table reference, lower-case (a catalog or project is dropped)."""
    return f"{node.db}.{node.name}".lower() if node.db else node.name.lower()


def parse(sql: str, dialect: str, schema_of: Callable[[str], pa.Schema] | None = None) -> Statement:
    """Take one transform statement apart; ``schema_of`` gives a table's schema, whose columns an
    UPDATE's query lists (without it, the query only tells what the statement reads).

    >>> s = parse("INSERT INTO clean.u (a) SELECT x FROM raw.u", "snowflake")
    >>> (s.target, s.mode, s.columns, s.query)
    ('clean.u', 'append', ('a',), 'SELECT x FROM raw.u')
    """
    tree = parse_one(sql, dialect)
    if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
        return Statement(table_name(tree.this.find(exp.Table) or tree.this), tree.expression.sql(dialect), "overwrite",
                         tree=tree.expression)
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
        into = tree.this
        columns = tuple(c.name for c in into.expressions) if isinstance(into, exp.Schema) else ()
        node = into.this if isinstance(into, exp.Schema) else into
        return Statement(table_name(node), tree.expression.sql(dialect), "overwrite" if tree.args.get("overwrite")
                         else "append", columns=columns, tree=tree.expression)
    if isinstance(tree, exp.Merge):
        return _merge(tree, dialect)
    if isinstance(tree, exp.Update | exp.Delete):
        return _in_place(tree, dialect, schema_of)
    if isinstance(tree, exp.Query):
        return Statement(None, tree.sql(dialect), tree=tree)
    raise UsageError("a transform is a query, CREATE TABLE AS, INSERT INTO, MERGE INTO, UPDATE or DELETE, "
                     f"not {tree.key.upper()}")


def _in_place(tree: exp.Update | exp.Delete, dialect: str, schema_of: Callable[[str], pa.Schema] | None) -> Statement:
    """An UPDATE or DELETE as the query of the table's rows after it (see the module's docstring).

    >>> schema = pa.schema({"a": pa.int64(), "b": pa.int8()})
    >>> parse("UPDATE s.t SET a = a + 1 WHERE b > 0", "duckdb", lambda _: schema).query
    'SELECT CASE WHEN b > 0 THEN CAST(a + 1 AS BIGINT) ELSE a END AS a, b FROM s.t'
    >>> parse("DELETE FROM s.t WHERE b > 0", "duckdb").query
    'SELECT * FROM s.t WHERE NOT COALESCE(b > 0, FALSE)'
    >>> parse("DELETE FROM s.t USING s.u WHERE t.k = u.k", "postgres").query
    'SELECT * FROM s.t WHERE NOT EXISTS(SELECT 1 FROM s.u WHERE t.k = u.k)'
    """
    table, sources, condition = _parts(tree)
    target = table_name(table)
    # the rows a change picks: its WHERE (NULL is not true), or a row of its FROM / USING meeting it
    picked = (condition.copy() if condition is not None else exp.true()) if not sources else \
        exp.Exists(this=_reading(exp.select("1"), sources, condition))
    count = exp.select(exp.alias_(exp.func("COUNT", exp.Star()), "n")).from_(table.copy()).where(
        exp.func("COALESCE", picked.copy(), exp.false())).sql(dialect)
    if isinstance(tree, exp.Delete):
        kept = exp.not_(picked) if sources else exp.not_(exp.func("COALESCE", picked, exp.false()))
        change = Change("delete", condition, (), joined=bool(sources), picked=count)
        return Statement(target, exp.select("*").from_(table.copy()).where(kept).sql(dialect), "overwrite",
                         change=change)
    schema = schema_of(target) if schema_of is not None else None
    values = {eq.this.name.lower(): eq.expression for eq in tree.expressions if isinstance(eq, exp.EQ)}
    if schema is not None and (unknown := sorted(set(values) - {n.lower() for n in schema.names})):
        raise UsageError(f"UPDATE sets {', '.join(unknown)}, which '{target}' does not have")
    items: list[exp.Expr] = []
    after: list[exp.Expr] = []
    assignments: list[tuple[str, exp.Expr]] = []
    for field in schema if schema is not None else [pa.field("*", pa.null())]:
        value = values.get(field.name.lower())
        if value is None:
            items.append(exp.column(field.name) if field.name != "*" else exp.Star())
            after.append(items[-1].copy())
            continue
        assignments.append((field.name, value))
        typed = _typed(_reading(value.copy(), sources, condition).subquery() if sources else value.copy(), field.type)
        after.append(exp.alias_(typed.copy(), field.name))
        chosen = typed if condition is None and not sources else exp.Case(
            ifs=[exp.If(this=picked.copy(), true=typed)], default=exp.column(field.name))
        items.append(exp.alias_(chosen, field.name))
    changed = exp.select(*after).from_(table.copy()).where(exp.func("COALESCE", picked.copy(), exp.false()))
    change = Change("update", condition, tuple(assignments), changed.sql(dialect), joined=bool(sources), picked=count)
    return Statement(target, exp.select(*items).from_(table.copy()).sql(dialect), "overwrite", change=change)


def _parts(tree: exp.Update | exp.Delete) -> tuple[exp.Table, list[exp.Table], exp.Expr | None]:
    """The target, the tables joined to it, and the condition picking its rows (their ON
    conditions and the WHERE): ``UPDATE t … FROM s`` and ``DELETE FROM t USING s`` (Postgres,
    Snowflake, DuckDB), ``UPDATE a … FROM t AS a JOIN s ON …`` and ``DELETE a FROM t AS a JOIN s
    ON …`` (T-SQL), ``UPDATE t JOIN s ON … SET …`` (MySQL). Inner joins only: an outer one
    changes rows no source row matches."""
    kind = tree.key.upper()
    named = tree.args.get("tables") or [tree.this]
    pool = _flat(tree.this) if isinstance(tree.this, exp.Table) else []
    found = tree.args.get("from_")
    pool += _flat(found.this) if isinstance(found, exp.From) and isinstance(found.this, exp.Table) else []
    pool += [(t, None) for t in tree.args.get("using") or [] if isinstance(t, exp.Table)]
    if len(named) != 1 or not isinstance(named[0], exp.Table) or not pool:
        raise UsageError(f"{kind} as a transform changes one table")
    first = named[0]
    own = not tree.args.get("tables")  # the table named is the first of the pool, not only named
    aliased = [i for i, (t, _) in enumerate(pool) if (i or not own) and not first.db and t.alias
               and t.alias.lower() == first.name.lower()]
    same = [i for i, (t, _) in enumerate(pool) if table_name(t) == table_name(first)]
    if not aliased and not own and not same:
        raise UsageError(f"{kind} names '{table_name(first)}', which it does not read")
    chosen = aliased[0] if aliased else 0 if own else same[0]
    table = pool[chosen][0]
    target = table_name(table)
    dropped = {chosen, 0} if aliased and own else {chosen}
    others = [t for i, (t, _) in enumerate(pool) if i not in dropped]
    if any(table_name(t) == target for t in others):
        raise UsageError(f"{kind} as a transform joining its own target is not supported: write it as MERGE INTO")
    where = tree.args.get("where")
    conditions = [on for _, on in pool if on is not None] + ([where.this] if isinstance(where, exp.Where) else [])
    condition = exp.and_(*[c.copy() for c in conditions]) if conditions else None
    return table, others, condition


def _flat(table: exp.Table) -> list[tuple[exp.Table, exp.Expr | None]]:
    """A table and the tables it joins, each with its ON condition, without their joins."""
    joins = table.args.get("joins") or []
    flat: list[tuple[exp.Table, exp.Expr | None]] = [(_unjoined(table), None)]
    for join in joins:
        if join.side or join.kind not in ("", "INNER", "CROSS") or join.args.get("using") \
                or not isinstance(join.this, exp.Table):
            raise UsageError(f"a {join.side or join.kind or 'USING'} join in an UPDATE or DELETE is not supported: "
                             "inner joins only (or write it as MERGE INTO)")
        flat.append((_unjoined(join.this), join.args.get("on")))
    return flat


def _unjoined(table: exp.Table) -> exp.Table:
    bare = table.copy()
    bare.set("joins", None)
    return bare


def _reading(value: exp.Expr, sources: list[exp.Table], condition: exp.Expr | None) -> exp.Select:
    """``SELECT value FROM sources WHERE condition``: correlated to the target's row (a scalar
    subquery: a row two source rows match is an error, as it is in DuckDB)."""
    query = exp.select(value) if not isinstance(value, exp.Select) else value
    query = query.from_(sources[0].copy())
    for other in sources[1:]:
        query = query.join(other.copy(), join_type="cross")
    return query.where(condition.copy()) if condition is not None else query


def _typed(value: exp.Expr, arrow_type: pa.DataType) -> exp.Expr:
    """``value`` cast to the column's own type (an UPDATE keeps the table's schema), where DuckDB
    names that type."""
    name = _DUCKDB_TYPES.get(arrow_type)
    if name is None and pa.types.is_decimal(arrow_type):
        name = f"DECIMAL({arrow_type.precision}, {arrow_type.scale})"
    if name is None and pa.types.is_timestamp(arrow_type):
        name = "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    return exp.cast(value, exp.DataType.build(name, dialect="duckdb")) if name else value


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
