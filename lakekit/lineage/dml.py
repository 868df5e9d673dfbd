"""Pass 1b: statements that change rows in place, rewritten into the query that computes them.

``MERGE INTO`` becomes one query that joins the target to the source, with one output per
assigned value and one per ``WHEN … AND`` condition. ``UPDATE t SET c = e [FROM …] WHERE w``
becomes ``SELECT e FROM t [, …] WHERE w`` writing ``c``: each SET value flows into its column
and the WHERE (and the joins of FROM) decide which rows change. ``DELETE FROM t [USING …]
WHERE w`` becomes a query with no value output whose WHERE decides which rows remain (filter
edges into ``t.*``). The MySQL and T-SQL spellings (``UPDATE t JOIN s ON … SET``, ``UPDATE t
SET … FROM t JOIN s``, ``DELETE t FROM t JOIN s``) are read the same way, and so is a change
made through a CTE over one table (T-SQL: ``WITH d AS (SELECT … FROM t) DELETE FROM d …``). Snowflake's ``INSERT
ALL | FIRST [WHEN c THEN] INTO t [(cols)] [VALUES (…)] … SELECT …`` is one ``INSERT INTO t
SELECT … FROM (the SELECT) WHERE c`` per ``INTO``; Hive's ``FROM s INSERT … SELECT … INSERT …
SELECT …`` is one ``INSERT … SELECT … FROM s`` per ``INSERT``. An upsert (``INSERT … ON CONFLICT
DO UPDATE``, ``ON DUPLICATE KEY UPDATE``) is the MERGE it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from lakekit.errors import SqlError
from lakekit.lineage.catalog import Catalog
from lakekit.lineage.names import WILDCARD, table_name


@dataclass(frozen=True)
class Condition:
    """Output ``position`` of the query is a MERGE ``WHEN … AND`` condition.

    Its base columns decide the values of ``columns`` (conditional edges), or, for a
    ``DELETE`` clause (``columns == ()``), which rows remain (filter edges).
    """

    position: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Rewrite:
    """A row-changing statement as a query: ``columns[i]`` is the target column of output ``i``
    (``None``: not a value)."""

    target: exp.Table
    query: exp.Select
    columns: tuple[str | None, ...]
    conditions: tuple[Condition, ...] = ()


_NO_VALUE = "_lk_none"


def merge(tree: exp.Merge, where: str, catalog: Catalog) -> Rewrite:
    target = tree.this
    source = tree.args.get("using")
    if not isinstance(target, exp.Table) or not isinstance(source, exp.Table | exp.Subquery):
        raise SqlError(f"{where}: unsupported MERGE target or source")
    items: list[exp.Expr] = []
    columns: list[str | None] = []
    conditions: list[Condition] = []
    whens = tree.args.get("whens")
    for clause_no, when in enumerate(whens.expressions if whens else []):
        assigned = _assignments(when.args.get("then"), source, catalog.get(table_name(target)), catalog)
        for column, value in assigned:
            items.append(exp.alias_(value, f"_lk_{clause_no}_{len(items)}"))
            columns.append(column)
        condition = _when_condition(when)
        if condition is not None:
            conditions.append(Condition(len(items), tuple(column for column, _ in assigned)))
            items.append(exp.alias_(condition, f"_lk_{clause_no}_when"))
            columns.append(None)
    if not items:
        items.append(exp.alias_(exp.Null(), _NO_VALUE))
        columns.append(None)
    joined = exp.select(*items).from_(target.copy()).join(source.copy(), on=tree.args.get("on"))
    return Rewrite(target, joined, tuple(columns), tuple(conditions))


def upsert(tree: exp.Insert) -> exp.Merge | None:
    """Postgres / SQLite ``INSERT INTO t (cols) SELECT … ON CONFLICT (k) DO UPDATE SET c = e [WHERE w]``
    (MySQL: ``ON DUPLICATE KEY UPDATE c = VALUES(c)``, its keys unsaid) as the MERGE it is: the query's
    rows, named ``excluded`` as its SET reads them, are inserted where no row of ``t`` has their key,
    and update the row that has it otherwise. None for another INSERT."""
    conflict = tree.args.get("conflict")
    query = tree.expression
    if not isinstance(conflict, exp.OnConflict) or not conflict.expressions or not isinstance(query, exp.Query):
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(target, exp.Table):
        return None
    names = [c.name for c in tree.this.expressions] if isinstance(tree.this, exp.Schema) else query.named_selects
    rows = exp.Subquery(this=query.copy(), alias=exp.TableAlias(this=exp.to_identifier("excluded"),
                                                                   columns=[exp.to_identifier(n) for n in names]))
    alias = target.alias_or_name
    keys = [key.this if isinstance(key, exp.Ordered) else key for key in conflict.args.get("conflict_keys") or []]
    on = exp.and_(*(exp.column(key.name, table=alias).eq(exp.column(key.name, table="excluded")) for key in keys)) \
        if keys else exp.true()
    where = conflict.args.get("where")
    sets = [e.copy().transform(_proposed) for e in conflict.expressions]
    update = exp.When(matched=True, condition=where.this.copy() if isinstance(where, exp.Where) else None,
                      then=exp.Update(expressions=sets))
    insert = exp.When(matched=False, then=exp.Insert(
        this=exp.Tuple(expressions=[exp.column(n) for n in names]),
        expression=exp.Tuple(expressions=[exp.column(n, table="excluded") for n in names])))
    return exp.Merge(this=target.copy(), using=rows, on=on, whens=exp.Whens(expressions=[update, insert]))


def _proposed(node: exp.Expr) -> exp.Expr:
    """MySQL's ``VALUES(c)`` in ``ON DUPLICATE KEY UPDATE``: the value proposed for ``c``, ``excluded.c``."""
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "VALUES" and len(node.expressions) == 1:
        return exp.column(node.expressions[0].name, table="excluded")
    return node


def _when_condition(when: exp.Expr) -> exp.Expr | None:
    """What decides a WHEN clause's action: ``WHEN MATCHED AND c``, and Oracle's ``UPDATE SET …
    WHERE c``."""
    then = when.args.get("then")
    found = [when.args.get("condition"), then.args.get("where") if isinstance(then, exp.Update) else None]
    conditions = [c.this if isinstance(c, exp.Where) else c for c in found if c is not None]
    return exp.and_(*conditions) if conditions else None


def update(tree: exp.Update, where: str) -> Rewrite:
    """``UPDATE`` as the query of its new values (see the module's docstring).

    >>> import sqlglot
    >>> r = update(sqlglot.parse_one("UPDATE t SET a = s.b FROM s WHERE t.id = s.id", read="postgres"), "")
    >>> r.query.sql(), r.columns
    ('SELECT s.b AS _lk_0 FROM t, s WHERE t.id = s.id', ('a',))
    """
    from_ = tree.args.get("from_")
    named = tree.this if isinstance(tree.this, exp.Table) and not tree.this.db and from_ is not None else None
    target, rows = _rows(tree.this, from_, where, named=named)  # T-SQL: UPDATE t SET … FROM tab1 AS t
    items: list[exp.Expr] = []
    columns: list[str | None] = []
    for assignment in tree.expressions:
        for column, value in _set_pairs(assignment, where):
            items.append(exp.alias_(value, f"_lk_{len(items)}"))
            columns.append(column.name)
    return Rewrite(target, _filtered(rows.select(*items), tree), tuple(columns))


def _set_pairs(assignment: exp.Expr, where: str) -> list[tuple[exp.Column, exp.Expr]]:
    """``(column, value)`` of one SET item: ``c = e``, or ``(a, b) = (e1, e2)`` / ``(a, b) = (SELECT x,
    y …)`` one by one (a subquery's ``i``-th output into the ``i``-th column)."""
    if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
        return [(assignment.this, assignment.expression.copy())]
    targets = assignment.this.expressions if isinstance(assignment, exp.EQ) and isinstance(assignment.this,
                                                                                            exp.Tuple) else []
    value = assignment.expression if targets else None
    query = value.this if isinstance(value, exp.Subquery) else None
    if isinstance(value, exp.Tuple | exp.Paren):
        values = value.expressions if isinstance(value, exp.Tuple) else [value.this]
    elif isinstance(query, exp.Select):
        values = [query.copy().select(item.copy(), append=False).subquery() for item in query.selects]
    else:
        values = []
    if not targets or len(values) != len(targets) or not all(isinstance(t, exp.Column) for t in targets):
        raise SqlError(f"{where}: cannot read the SET clause `{assignment.sql()[:40]}`")
    return [(column, item.copy()) for column, item in zip(targets, values, strict=True)]


def delete(tree: exp.Delete, where: str) -> Rewrite:
    """``DELETE`` as a query with no value output: its WHERE and joins decide the rows kept."""
    named = (tree.args.get("tables") or [None])[0]  # DELETE t FROM t JOIN s …
    target, rows = _rows(tree.this, None, where, named=named)
    using = tree.args.get("using")
    for extra in using if isinstance(using, list) else []:
        rows.append("joins", exp.Join(this=extra.copy()))
    query = rows.select(exp.alias_(exp.Null(), _NO_VALUE))
    return Rewrite(target, _filtered(query, tree), (None,))


def _rows(this: exp.Expr, from_: exp.From | None, where: str,
          named: exp.Table | None = None) -> tuple[exp.Table, exp.Select]:
    """The target table (``named`` among the sources, if given) and a SELECT without outputs over
    the rows the statement reads."""
    if not isinstance(this, exp.Table):
        raise SqlError(f"{where}: cannot tell which table this statement changes")
    joins = this.args.get("joins") or []
    target = this.copy()
    target.set("joins", None)
    rows = exp.Select().from_(target.copy())
    for join in joins:
        rows.append("joins", join.copy())
    if from_ is not None:
        sources = [from_.this, *(from_.this.args.get("joins") or [])]
        first = from_.this.copy()
        first.set("joins", None)
        if first.alias_or_name in (target.alias_or_name, target.name):
            rows = exp.Select().from_(first)  # T-SQL: UPDATE t SET … FROM t JOIN s
        else:
            rows.append("joins", exp.Join(this=first))
        for join in sources[1:]:
            rows.append("joins", join.copy())
    if named is not None:
        found = next((t for t in rows.find_all(exp.Table) if named.name in (t.alias_or_name, t.name)), None)
        if found is not None:
            target = found.copy()
    return target, rows


def _filtered(query: exp.Select, tree: exp.Expr) -> exp.Select:
    condition = tree.args.get("where")
    if isinstance(condition, exp.Where):
        query.set("where", condition.copy())
    return query


def _assignments(then: exp.Expr | None, source: exp.Table | exp.Subquery, target_columns: tuple[str, ...] | None,
                 catalog: Catalog) -> list[tuple[str, exp.Expr]]:
    """``(target column, value)`` pairs of one WHEN clause's action. ``INSERT VALUES (…)`` without
    a column list fills the target's columns in order (the values' own names when the schema does
    not give them); BigQuery's ``INSERT ROW`` is ``INSERT *``."""
    if isinstance(then, exp.Update):
        if any(isinstance(e, exp.Star) for e in then.expressions):
            return _star_assignments(source, catalog)
        return [(eq.this.name, eq.expression) for eq in then.expressions]
    if isinstance(then, exp.Insert):
        if isinstance(then.this, exp.Star) or (isinstance(then.this, exp.Var) and then.this.name.upper() == "ROW"):
            return _star_assignments(source, catalog)
        listed = then.this.expressions if isinstance(then.this, exp.Tuple) else []
        if len(listed) == 1 and isinstance(listed[0], exp.Anonymous) and listed[0].name.upper() == "VALUES":
            listed, values = [], listed[0].expressions  # BigQuery: INSERT VALUES (…), as sqlglot reads it
        else:
            values = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
        names = [name.name for name in listed] or list(target_columns or [value.output_name for value in values])
        if len(names) != len(values):
            raise SqlError(f"MERGE INSERT names {len(names)} columns but gives {len(values)} values")
        return list(zip(names, (_of_source(value, source) for value in values), strict=True))
    return []


def _star_assignments(source: exp.Table | exp.Subquery, catalog: Catalog) -> list[tuple[str, exp.Expr]]:
    """``UPDATE SET *`` / ``INSERT *``: every source column into the target column of that name."""
    alias = source.alias_or_name
    if isinstance(source, exp.Table) and table_name(source) in catalog:
        names: list[str] = list(catalog[table_name(source)])
    elif isinstance(source, exp.Subquery) and "*" not in source.named_selects:
        names = list(source.named_selects)
    else:  # columns unknown: the wildcard of the source into the target's
        return [(WILDCARD, exp.column(exp.to_identifier(WILDCARD, quoted=True), table=alias))]
    return [(name, exp.column(name, table=alias)) for name in names]


def through_ctes(target: exp.Table, ctes: exp.Expr | None) -> exp.Table:
    """The table a statement changes when it names a CTE over one table (T-SQL's ``WITH d AS
    (SELECT … FROM t) DELETE FROM d WHERE …`` deletes rows of ``t``).

    >>> import sqlglot
    >>> tree = sqlglot.parse_one("WITH d AS (SELECT id FROM dbo.s) DELETE FROM d WHERE id > 1", read="tsql")
    >>> through_ctes(tree.this, tree.args["with_"]).sql("tsql")
    'dbo.s'
    """
    named = {cte.alias: cte.this for cte in ctes.expressions} if isinstance(ctes, exp.With) else {}
    seen: set[str] = set()
    while not target.db and target.name in named and target.name not in seen:
        seen.add(target.name)
        query = named[target.name]
        from_ = query.args.get("from_") if isinstance(query, exp.Select) else None
        if from_ is None or query.args.get("joins") or not isinstance(from_.this, exp.Table):
            break
        target = from_.this
    return target


def multitable(tree: exp.MultitableInserts) -> list[exp.Insert]:
    """One plain ``INSERT … SELECT`` per ``INTO`` of a multi-table insert (see the module's docstring).

    >>> import sqlglot
    >>> sql = "INSERT ALL WHEN x > 1 THEN INTO t1 (a) VALUES (x) ELSE INTO t2 SELECT x, y FROM s"
    >>> for insert in multitable(sqlglot.parse_one(sql, read="snowflake")):
    ...     print(insert.sql("snowflake"))
    INSERT INTO t1 (a) SELECT x FROM (SELECT x, y FROM s) AS _lk_rows WHERE x > 1
    INSERT INTO t2 SELECT * FROM (SELECT x, y FROM s) AS _lk_rows
    """
    source = tree.args["source"]
    inserts: list[exp.Insert] = []
    for branch in tree.expressions:
        if isinstance(branch, exp.Insert):  # Hive / Spark: FROM s INSERT … SELECT … INSERT … SELECT …
            query = branch.expression.copy()
            if isinstance(query, exp.Select) and query.args.get("from_") is None:
                query.from_(source.copy(), copy=False)
            inserts.append(exp.Insert(this=branch.this.copy(), expression=query))
            continue
        insert = branch.this
        values = insert.expression
        items = values.expressions[0].expressions if isinstance(values, exp.Values) and values.expressions else \
            [exp.Star()]
        query = exp.select(*(_by_name(item) for item in items)).from_(source.copy().subquery("_lk_rows"))
        condition = branch.args.get("expression")
        if condition is not None:
            query = query.where(_by_name(condition))
        inserts.append(exp.Insert(this=insert.this.copy(), expression=query))
    return inserts


def _by_name(node: exp.Expr) -> exp.Expr:
    """A copy of ``node`` whose columns name the SELECT's outputs (``s.amount`` → ``amount``)."""
    copied = node.copy()
    for column in copied.find_all(exp.Column):
        column.set("table", None)
    return copied


def _of_source(value: exp.Expr, source: exp.Table | exp.Subquery) -> exp.Expr:
    """A NOT MATCHED INSERT value: its unqualified columns are the source's (no target row exists)."""
    value = value.copy()
    for column in [value, *value.find_all(exp.Column)]:
        if isinstance(column, exp.Column) and not column.table:
            column.set("table", exp.to_identifier(source.alias_or_name))
    return value


def output_into(tree: exp.Expr) -> list[exp.Insert]:
    """T-SQL's ``INSERT | UPDATE | DELETE | MERGE … OUTPUT inserted.c, deleted.d … INTO log [(columns)]``:
    one more ``INSERT INTO log`` of those values, read from the changed table (``inserted``: its
    rows as written, ``deleted``: as they were); the WHERE of an UPDATE or DELETE of that table
    alone decides which rows are logged.

    >>> from lakekit.lineage.parse import parse_one
    >>> tree = parse_one("DELETE FROM dbo.t OUTPUT deleted.id INTO audit WHERE x > 1", "tsql")
    >>> [insert.sql("tsql") for insert in output_into(tree)]
    ['INSERT INTO audit SELECT deleted.id FROM dbo.t AS deleted WHERE deleted.x > 1']
    """
    returning = tree.args.get("returning")
    if not isinstance(returning, exp.Returning):
        return []
    into = returning.args.get("into")
    changed = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(into, exp.Table | exp.Schema) or not isinstance(changed, exp.Table):
        return []
    query = exp.select(*(item.copy() for item in returning.expressions))
    for column in list(query.find_all(exp.Column)):
        if not column.table and column.name.lower() == "$action":  # MERGE's action taken: a value, no column
            column.replace(exp.Var(this=column.name))
    read = sorted({column.table.lower() for column in query.find_all(exp.Column)} & {"inserted", "deleted"})
    for number, alias in enumerate(read or ["inserted"]):
        source = changed.copy()
        source.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        query = query.from_(source, copy=False) if number == 0 else query.join(source, join_type="cross", copy=False)
    condition = tree.args.get("where")
    alone = not any(tree.args.get(key) for key in ("from_", "using", "joins", "tables"))
    if isinstance(tree, exp.Update | exp.Delete) and isinstance(condition, exp.Where) and alone:
        kept = condition.this.copy()  # which rows changed, and so were logged: over the table alone
        for column in kept.find_all(exp.Column):
            column.set("table", exp.to_identifier((read or ["inserted"])[0]))
            column.set("db", None)
            column.set("catalog", None)
        query = query.where(kept, copy=False)
    return [exp.Insert(this=into.copy(), expression=query)]
