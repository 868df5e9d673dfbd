"""Pass 2: qualify a statement's query so that every column names its source.

Built from sqlglot's own steps (``qualify_tables``, ``qualify_columns``) with lakekit's
rules around them:

- every base table is renamed to one identifier holding its full name as written
  (``raw.users AS users``), so the later passes read a table's name in one place;
- without a schema, a column gets its table from the query itself: written ``t.col``, or
  unqualified in a scope where only one source can hold it; where several tables of unknown
  columns could hold it, a warning names them and it has no lineage (never a guess); ``*``
  over a table of unknown columns becomes one wildcard column ``t."*"`` (edges from ``t.*``,
  marked unresolved);
- with a schema, a column a table does not have is an error, and so is a column two tables have;
- a column still unqualified afterwards is an error naming its candidate sources;
- with ``on_error`` (``column_lineage(..., errors="warn")``: a schema written by hand may be
  stale or spelled otherwise), each of these errors is reported there instead: a column its
  table lacks is read as the one column of that table spelled the same but for case, if there
  is one, else as written; an unqualified column no source holds is read as NULL. The rest of
  the statement keeps its lineage;
- an output alias read in GROUP BY / HAVING / QUALIFY over a source of unknown columns is the
  alias where no source is known to hold its name (:mod:`.aliases`);
- a named window (``WINDOW w AS (…)`` … ``OVER w``) is copied into each window using it;
- DuckDB's ``COLUMNS(…)`` is one item per column it picks (:mod:`.column_sets`);
- a table's alias read as a value (BigQuery ``ARRAY_AGG(t)``) is the struct of its row;
- PIVOT and UNPIVOT are first rewritten into the queries they stand for (:mod:`.pivot`);
- Snowflake's ``OBJECT_CONSTRUCT(*)`` is opened into one key per column of the scope's sources,
  and a ClickHouse dictionary's name (``dictGet(db.d, …)``) is no column (:mod:`.dictionaries`);
- a Snowflake ``SEMANTIC_VIEW(v METRICS … DIMENSIONS …)`` is read as the table ``v``: its
  metrics, dimensions and facts are columns of the semantic view; a Databricks ``STREAM(t)`` as
  the table ``t``.
"""

from __future__ import annotations

import warnings

from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify_columns import qualify_columns
from sqlglot.optimizer.qualify_tables import qualify_tables
from sqlglot.optimizer.scope import Scope, build_scope, find_all_in_scope, traverse_scope
from sqlglot.schema import MappingSchema
from sqlglot.transforms import eliminate_window_clause

from lakekit.errors import SqlError
from lakekit.lineage.aliases import expand_alias_refs
from lakekit.lineage.anonymous import name_outputs
from lakekit.lineage.catalog import Catalog, known_as
from lakekit.lineage.column_sets import open_column_sets
from lakekit.lineage.dictionaries import name_dictionaries
from lakekit.lineage.names import WILDCARD, get_dialect, normalize_names, table_name
from lakekit.lineage.parse import LineageWarning, OnError, Statement
from lakekit.lineage.pivot import expand_pivots
from lakekit.lineage.rows import read_rows
from lakekit.lineage.sources import (
    Names,
    around,
    base_name,
    column_names,
    holds,
    is_alias_ref,
    own_columns,
    source_of,
)
from lakekit.lineage.unnests import name_bare_unnests, qualify_function_arguments


def qualify_statement(statement: Statement, dialect: str | None, catalog: Catalog, *,
                      names: Dialect | None = None, on_error: OnError | None = None) -> Scope:
    """Qualify the statement's query in place: every table aliased, every column qualified, names
    spelled by the rules of ``names`` (default: ``dialect``'s).

    Returns the root scope of the qualified query. A column a CTE or subquery does not output is
    an error; with ``on_error`` it is reported there and read as NULL (the rest of the statement
    keeps its lineage).

    >>> from lakekit.lineage.parse import parse_statements
    >>> catalog = {"t": ("a", "id")}
    >>> [s] = parse_statements("SELECT a, u.b FROM t JOIN raw.u ON t.id = u.id", None, catalog, "x")
    >>> qualify_statement(s, None, catalog).expression.sql()
    'SELECT t.a AS a, u.b AS b FROM "t" AS t JOIN "raw.u" AS u ON t.id = u.id'
    """
    query = statement.query
    dialect_obj = get_dialect(dialect)
    try:
        expand_pivots(query, catalog, statement)
        _read_semantic_views(query)
        _read_streams(query)
        _inline_windows(query, statement)
        _name_function_columns(query, dialect_obj)
        _name_table_variables(query)
        if type(dialect_obj).__name__ == "ClickHouse":
            name_dictionaries(query)
        if isinstance(dialect_obj, BigQuery):
            name_bare_unnests(query)
        qualify_tables(query, dialect=dialect_obj)
        normalize_names(query, names or dialect_obj)
        scopes = list(traverse_scope(query))
        tables = _flatten_tables(scopes, catalog)
        if query.find(exp.Columns):
            open_column_sets(scopes, catalog)
        name_outputs(query, names or dialect_obj)
        _open_wildcards(scopes, catalog)
        _read_variables(scopes, statement.variables | _PSEUDO_COLUMNS.get(type(dialect_obj).__name__, frozenset()),
                        catalog)
        if isinstance(dialect_obj, BigQuery):
            read_rows(scopes, catalog, bare=True)
        qualify_function_arguments(scopes, Names(catalog))
        columns = _known_columns(scopes, statement, catalog, tables, on_error)
        _read_ambiguous(scopes, catalog, columns, statement)
        expand_alias_refs(scopes, columns, Names(catalog))
        schema = MappingSchema(
            {name: dict.fromkeys(cols, "unknown") for name, cols in columns.items() if cols},
            dialect=dialect_obj,
            normalize=False,
        )
        qualify_columns(query, schema, allow_partial_qualification=True)
        if query.find(exp.StarMap):
            _open_object_stars(list(traverse_scope(query)), catalog)
        if query.find(exp.TableColumn):
            read_rows(list(traverse_scope(query)), catalog)
        _check_derived(list(traverse_scope(query)), statement, on_error)
    except OptimizeError as e:
        raise SqlError(f"{statement.where()}: {str(e).splitlines()[0]}", sql=statement.text) from None
    except SqlglotError as e:
        raise SqlError(f"{statement.where()}: {e}", sql=statement.text) from None
    root = build_scope(query)
    if root is None:
        raise SqlError(f"{statement.where()}: not a query", sql=statement.text)
    if _check_resolved(root, statement, catalog, on_error):
        root = build_scope(query) or root  # columns read as NULL: scopes built again without them
    return root


def _check_derived(scopes: list[Scope], statement: Statement, on_error: OnError | None) -> None:
    """Each ``d.x`` read from a CTE or subquery ``d`` names one of its outputs."""
    named: dict[int, set[str]] = {}
    for scope in scopes:
        for column in list(own_columns(scope)):
            source = source_of(scope, column.table) if column.table else None
            if not isinstance(source, Scope) or not isinstance(source.expression, exp.Query):
                continue
            if id(source) not in named:
                named[id(source)] = set(source.expression.named_selects)
            outputs = named[id(source)]
            if WILDCARD in outputs or column.name in outputs:
                continue
            error = _error(f"unknown column '{column.name}' of '{column.table}'", column, statement)
            if on_error is None:
                raise error
            on_error(error)
            column.replace(exp.null())


def _read_semantic_views(query: exp.Query) -> None:
    """Each ``SEMANTIC_VIEW(v …)`` source read as the table ``v`` (see the module's docstring)."""
    for view in list(query.find_all(exp.SemanticView)):
        source, inner = view.parent, view.this
        if isinstance(source, exp.Table) and isinstance(inner, exp.Table):
            for part in ("this", "db", "catalog"):
                source.set(part, inner.args.get(part))


def _read_streams(query: exp.Query) -> None:
    """Databricks ``STREAM(t) [AS x]`` / ``STREAM t`` (a streaming read): the table ``t`` itself."""
    for stream in list(query.find_all(exp.Stream)):
        inner = stream.this
        alias = inner.args.get("alias") if isinstance(inner, exp.Subquery) else None
        table = inner.this if isinstance(inner, exp.Subquery) else inner
        if isinstance(table, exp.Table):
            read = table.copy()
            if alias is not None:
                read.set("alias", alias.copy())
            stream.replace(read)


def _inline_windows(query: exp.Query, statement: Statement) -> None:
    """Replace every ``OVER w`` by the window ``w`` names; an undefined name is an error."""
    for select in list(query.find_all(exp.Select)):
        eliminate_window_clause(select)
    for window in query.find_all(exp.Window):
        if window.args.get("alias") is not None:
            raise SqlError(f"{statement.where()}: window '{window.alias}' is not defined", sql=statement.text)


_PSEUDO_COLUMNS = {"Oracle": frozenset({"rownum", "rowid", "level", "sysdate", "systimestamp", "user"}),
                   "BigQuery": frozenset({"_table_suffix"})}  # the shard a wildcard table's row is from
"""Names a dialect reads as values of its own, not columns, unless a source is known to have them."""
_FLATTEN_COLUMNS = ("SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS")


_ONE_COLUMN_FUNCTIONS = frozenset({"Dialect", "Postgres", "Redshift", "DuckDB"})
"""Dialects where a function read as a table without a column list yields one column named after
its alias; elsewhere (T-SQL, Snowflake …) a table function's columns are its own, unknown here."""


def _name_function_columns(query: exp.Query, dialect: Dialect) -> None:
    """``unnest(x) AS tag`` / ``generate_series(…) AS d`` without a column list: the one column
    the function yields is named after the alias (UNNEST: where the alias names the table, not
    the column; other functions: see :data:`_ONE_COLUMN_FUNCTIONS`); in BigQuery the alias
    already names the column."""
    for rows in query.find_all(exp.TableFromRows):  # Snowflake TABLE(FLATTEN(…)), as sqlglot names LATERAL FLATTEN's
        if isinstance(rows.this, exp.Explode) and not rows.alias_column_names:
            columns = [exp.to_identifier(name.lower()) for name in _FLATTEN_COLUMNS]
            exp.alias_(rows, rows.alias or "_flattened", table=columns, copy=False)
    if dialect.UNNEST_COLUMN_ONLY:
        return
    one_column = type(dialect).__name__ in _ONE_COLUMN_FUNCTIONS
    for node in query.find_all(exp.Unnest, exp.Table):
        alias = node.args.get("alias")
        function = isinstance(node, exp.Unnest) or (one_column and isinstance(node.this, exp.Func))
        if function and isinstance(alias, exp.TableAlias) and alias.this is not None and not alias.columns:
            alias.set("columns", [alias.this.copy()])


def _name_table_variables(query: exp.Query) -> None:
    """T-SQL's table variable ``@t`` read as the table ``@t`` (the name an ``INSERT INTO @t`` writes)."""
    for table in query.find_all(exp.Table):
        if isinstance(table.this, exp.Parameter):
            table.set("this", exp.to_identifier(table_name(table), quoted=True))


def _flatten_tables(scopes: list[Scope], catalog: Catalog) -> set[str]:
    """Give each base table one identifier with its full name (the schema's, when the query names it
    less or more qualified: see :func:`~lakekit.lineage.catalog.known_as`); return those names."""
    names: set[str] = set()
    for scope in scopes:
        for source in scope.sources.values():
            if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
                name = known_as(table_name(source), catalog)
                source.set("this", exp.to_identifier(name, quoted=True))
                source.set("db", None)
                source.set("catalog", None)
                names.add(name)
    return names


def _known_columns(scopes: list[Scope], statement: Statement, catalog: Catalog,
                   tables: set[str], on_error: OnError | None) -> dict[str, list[str]]:
    """Columns of every base table: from the catalog, else those the query shows it has."""
    columns: dict[str, list[str]] = {name: list(catalog.get(name, ())) for name in tables}
    names = Names(catalog)
    for scope in scopes:
        found = [(*_owner(scope, column, names), column) for column in own_columns(scope)]
        for owner, name, column in [*found, *_using_owners(scope, names)]:
            if owner is None:
                continue
            if owner in catalog and name not in catalog[owner]:
                error = _error(f"unknown column '{name}' of table '{owner}'", column, statement)
                name = _read_otherwise(column, catalog[owner], error, on_error)
            if name not in columns[owner]:
                columns[owner].append(name)
    return columns


def _read_otherwise(column: exp.Expr, known: tuple[str, ...], error: SqlError, on_error: OnError | None) -> str:
    """A column its table does not have: raised, or reported and read as the table's one column
    spelled the same but for case, else as the query says (the schema may be older than the
    query); the answer is the name it is read by."""
    if on_error is None or not isinstance(column, exp.Column):
        raise error
    on_error(error)
    alike = [name for name in known if name.lower() == column.name.lower()]
    if len(alike) != 1:
        return column.name
    column.set("this", exp.to_identifier(alike[0], quoted=True))
    return alike[0]


def _using_owners(scope: Scope, names: Names) -> list[tuple[str | None, str, exp.Expr]]:
    """``JOIN b USING (k)``: ``k`` is a column of ``b`` and of the one earlier source that can hold it."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    found: list[tuple[str | None, str, exp.Expr]] = []
    earlier: list[exp.Table | Scope] = []
    from_ = select.args.get("from_")
    for node in [from_.this if from_ else None, *(select.args.get("joins") or [])]:
        source = scope.sources.get(node.alias_or_name) if node is not None else None
        if node is None or source is None:
            continue
        keys = node.args.get("using") or [] if isinstance(node, exp.Join) else []
        for key in keys:
            holders = [src for src in earlier if names.may_hold(src, key.name)]
            owners = [source, holders[0]] if len(holders) == 1 else [source]
            for owner in owners:
                base = base_name(owner)
                found.append((base if base not in names.catalog else None, key.name, key))
        earlier.append(source)
    return found


def _owner(scope: Scope, column: exp.Column, names: Names) -> tuple[str | None, str]:
    """The base table a column belongs to, when the query alone tells (``None`` otherwise)."""
    parts = [part.name for part in column.parts]
    if len(parts) > 1:
        found = source_of(scope, parts[0])
        if found is not None:
            return (base_name(found), parts[1])
    name = parts[0]
    if isinstance(scope.expression, exp.Select) and is_alias_ref(column, scope.expression, names):
        return None, name
    current: Scope | None = scope
    while current is not None:
        candidates = [src for _, src in current.selected_sources.values()
                      if names.may_hold(src, name) and not around(src, column)]
        if candidates:
            only = base_name(candidates[0]) if len(candidates) == 1 else None
            return (only if only not in names.catalog else None, name)
        current = current.parent if current.can_be_correlated else None
    return None, name


def _open_wildcards(scopes: list[Scope], catalog: Catalog) -> None:
    """Rewrite each ``*`` / ``t.*`` (inner scopes first) into one item per source it covers:
    ``t."*"`` for a base table of unknown columns, every output named for a derived table with a
    wildcard among its outputs, and ``t.*`` for sqlglot to expand otherwise. Beside the first two,
    the columns a ``REPLACE`` / ``RENAME`` names are outputs of their own."""
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select) or isinstance(select.parent, exp.Exists):
            continue
        items: list[exp.Expr] = []
        for item in select.selects:
            if isinstance(item, exp.Star):
                covered = [(alias, source) for alias, (_, source) in scope.selected_sources.items()]
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                found = source_of(scope, item.table)
                if found is None:  # `s.*` over a struct column `s`: its fields, opened by lineage
                    items.append(exp.Dot(this=exp.column(item.args["table"].copy()), expression=item.this.copy()))
                    continue
                covered = [(item.table, found)]
            else:
                items.append(item)
                continue
            opened = [part for alias, source in covered for part in _opened(alias, source, catalog)]
            if all(isinstance(part, exp.Column) and isinstance(part.this, exp.Star) for part in opened):
                items.append(item)  # sqlglot expands it, with its EXCEPT / REPLACE
            else:
                star = item if isinstance(item, exp.Star) else item.this
                replaced = star.args.get("replace") or []
                changed = [*replaced, *(star.args.get("rename") or [])]
                # A named column EXCLUDE leaves out or REPLACE gives a new value is no output of its own.
                left_out = {c.name for c in star.args.get("except_") or []} | {r.alias for r in replaced}
                kept = [part for part in opened if part.name == WILDCARD or part.name not in left_out]
                items.extend([*kept, *(alias.copy() for alias in changed)])  # `* REPLACE (f(x) AS x)`: x too
        select.set("expressions", items)


def _opened(alias: str, source: exp.Table | Scope, catalog: Catalog) -> list[exp.Expr]:
    base = base_name(source)
    if base is not None and base not in catalog:
        return [exp.column(exp.to_identifier(WILDCARD, quoted=True), table=alias)]
    if isinstance(source, Scope) and isinstance(source.expression, exp.Query) and any(
            _is_wildcard(item) for item in source.expression.selects):
        return [exp.column(exp.to_identifier(name, quoted=True), table=alias)
                for name in dict.fromkeys(source.expression.named_selects)]
    return [exp.Column(this=exp.Star(), table=exp.to_identifier(alias))]


def _open_object_stars(scopes: list[Scope], catalog: Catalog) -> None:
    """Snowflake's ``OBJECT_CONSTRUCT(*)``: one key per column of the scope's sources, named as the
    column (a table of unknown columns gives its wildcard column, under no key)."""
    for scope in scopes:
        for star in list(find_all_in_scope(scope.expression, exp.StarMap)):
            if not isinstance(star.this, exp.Star):
                continue
            items: list[exp.Expr] = []
            for alias, (_, source) in scope.selected_sources.items():
                for name in column_names(source, catalog):
                    column = exp.column(exp.to_identifier(name, quoted=True), table=alias)
                    items.append(column if name == WILDCARD else
                                 exp.PropertyEQ(this=exp.Literal.string(name), expression=column))
            star.replace(exp.Struct(expressions=items))


def _is_wildcard(item: exp.Expr) -> bool:
    """A wildcard column ``t."*"`` (not a ``*`` sqlglot still expands)."""
    node = item.unalias()
    return isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier) and node.name == WILDCARD


def _read_variables(scopes: list[Scope], variables: frozenset[str], catalog: Catalog) -> None:
    """An unqualified name a script DECLAREd (or a pseudo-column such as Oracle's ``ROWNUM``), that
    no source of the scope is known to hold (by the schema or a derived table's outputs), is the
    variable: it holds no column's value."""
    if not variables:
        return
    names = Names(catalog)
    for scope in scopes:
        for column in list(own_columns(scope)):
            if column.table or column.name not in variables:
                continue
            sources = [src for _, src in scope.selected_sources.values()]
            if not any(holds(src, column.name, catalog, names) for src in sources):
                column.replace(exp.Var(this=column.name))


def _read_ambiguous(scopes: list[Scope], catalog: Catalog, known: dict[str, list[str]], statement: Statement) -> None:
    """An unqualified column no single source is known to hold, that several sources could hold
    (a table of unknown columns among them), is a guess lineage does not make: a
    :class:`~lakekit.lineage.parse.LineageWarning` names it and its candidates, and it is read as
    NULL (no edge). A source is known to hold a name when a schema, a derived table's outputs or
    the query's own ``t.x`` say so; USING keys and output aliases are left to qualification."""
    names = Names(catalog)
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        using = {key.name for join in select.args.get("joins") or [] for key in join.args.get("using") or []}
        for column in list(own_columns(scope)):
            if column.table or column.name in using or is_alias_ref(column, select, names):
                continue
            holders = [(alias, src) for alias, (_, src) in scope.selected_sources.items()
                       if names.may_hold(src, column.name) and not around(src, column)]
            certain = [(alias, src) for alias, src in holders if holds(src, column.name, known, names)]
            candidates = certain if certain else holders
            if len(candidates) == 1 and isinstance(candidates[0][1], Scope):
                column.set("table", exp.to_identifier(candidates[0][0]))  # the one derived table that can hold it
                continue
            if len(candidates) < 2 or all(base_name(src) in catalog for _, src in candidates):
                continue
            tables = ", ".join(sorted(_describe(alias, src) for alias, src in candidates))
            warnings.warn(str(_error(f"ambiguous column '{column.name}' left without lineage: it could belong to "
                                     f"{tables} (a schema tells)", column, statement)), LineageWarning, stacklevel=2)
            replacement: exp.Expr = exp.null()
            if column.parent is select and column.arg_key == "expressions":
                replacement = exp.alias_(replacement, exp.to_identifier(column.name, quoted=True))
            column.replace(replacement)


def _check_resolved(root: Scope, statement: Statement, catalog: Catalog, on_error: OnError | None) -> bool:
    """Every column is qualified; with ``on_error``, one that is not is reported and read as NULL
    (the answer says whether one was)."""
    replaced = False
    for scope in list(root.traverse()):
        outputs = set(scope.expression.named_selects) if isinstance(scope.expression, exp.Query) else set()
        for column in list(own_columns(scope)):
            if not column.table and not (column.name in outputs and _in_own_order_by(column, scope)):
                error = _unresolved(scope, column, statement, catalog)
                if on_error is None:
                    raise error
                on_error(error)
                alike = [(alias, name) for alias, (_, src) in scope.selected_sources.items()
                         for name in catalog.get(base_name(src) or "", ()) if name.lower() == column.name.lower()]
                if len(alike) == 1:
                    column.set("table", exp.to_identifier(alike[0][0]))
                    column.set("this", exp.to_identifier(alike[0][1], quoted=True))
                else:
                    column.replace(exp.null())
                    replaced = True
    return replaced


def _in_own_order_by(column: exp.Column, scope: Scope) -> bool:
    """In the scope's own ORDER BY or DISTINCT ON, where a name may be one of its outputs."""
    clause = column.find_ancestor(exp.Order, exp.Distinct, exp.Window, exp.Select)
    return isinstance(clause, exp.Order | exp.Distinct) and clause.parent is scope.expression


def _unresolved(scope: Scope, column: exp.Column, statement: Statement, catalog: Catalog) -> SqlError:
    name = column.name
    names = Names(catalog)
    candidates = sorted(_describe(alias, src) for alias, (_, src) in scope.selected_sources.items()
                        if names.may_hold(src, name))
    if len(candidates) > 1:
        return _error(f"ambiguous column '{name}': it could belong to {', '.join(candidates)}",
                      column, statement)
    return _error(f"unknown column '{name}'", column, statement)


def _describe(alias: str, source: exp.Table | Scope) -> str:
    base = base_name(source)
    if base is None or base.rsplit(".", 1)[-1] == alias:
        return base or alias
    return f"{base} AS {alias}"


def _error(message: str, column: exp.Expr, statement: Statement) -> SqlError:
    line, col = _position(column)
    return SqlError(f"{message} in {statement.where()}", sql=statement.text, line=line, col=col,
                    column=column.name)


def _position(node: exp.Expr) -> tuple[int | None, int | None]:
    """1-based line and column where the node's name starts (the parser records where it ends)."""
    parts = node.parts if isinstance(node, exp.Column) else [node]
    for identifier in reversed(parts):
        meta = identifier.meta
        if isinstance(identifier, exp.Identifier) and "line" in meta and "col" in meta:
            return int(meta["line"]), int(meta["col"]) - len(identifier.name) + 1
    return None, None
