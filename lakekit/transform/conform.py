"""A query's source-dialect meaning, kept when DuckDB runs it: lakekit's own rewrites of the
places where sqlglot's translation gives another value or type, and refusals of the constructs
lakekit cannot translate faithfully (never a silently different result).

Rewrites, on the query as parsed in its own dialect, before it is translated to DuckDB:

- a JSON path cast to a scalar (Snowflake ``v:page::STRING``, any dialect's
  ``CAST(JSON_EXTRACT(…) AS …)``) reads the value, not its JSON text (``/checkout``, not
  ``"/checkout"``);
- T-SQL ``VARCHAR(MAX)`` / ``NVARCHAR(MAX)`` is DuckDB's string type (sqlglot writes ``TEXT(MAX)``);
- BigQuery ``UNNEST(…) WITH OFFSET`` counts from 0 (DuckDB's ordinality counts from 1);
- BigQuery and Snowflake date truncation and date arithmetic on a DATE (``ADD_MONTHS`` too) give
  a DATE (DuckDB gives a TIMESTAMP); so do Spark's, Databricks' and Hive's ``trunc`` (whose
  ``'MM'``, ``'MON'``, ``'YYYY'``, ``'YY'`` name the month and the year), ``date_add``,
  ``date_sub`` and ``add_months`` (``date_trunc`` gives a TIMESTAMP there too);
- the day of the week counts from 1 on Sunday in BigQuery, Spark, Databricks, Hive, T-SQL and
  MySQL (DuckDB counts from 0), and their ``WEEKDAY`` from 0 on Monday where they have one;
- an integer divided by an integer is an integer, truncated toward zero, in Postgres, Redshift,
  T-SQL, SQLite, Trino and Presto (``7 / 2`` is ``3``; DuckDB's ``/`` gives ``3.5``);
- ``COUNTIF`` / ``COUNT_IF`` give a 64-bit integer, and so do a BigQuery, Spark or Databricks
  ``SUM`` of integers (DuckDB gives a 128-bit one, written as ``decimal(38,0)``) and their
  integer division (``DIV``), over a window too (``COUNT_IF(x) OVER ()``);
- Snowflake ``LATERAL FLATTEN(input => …)`` and ``TABLE(FLATTEN(…))`` become a lateral UNNEST
  with ``VALUE`` and a 0-based ``INDEX`` (``OUTER => TRUE`` keeps rows with nothing to flatten);
- Spark's ``get(array, i)`` (0-based, NULL outside the array) is DuckDB's 1-based ``list_extract``,
  NULL for a negative ``i`` (which DuckDB counts from the end);
- BigQuery's ``SAFE.`` prefix (``SAFE.PARSE_DATE(…)``: NULL where the function fails) is DuckDB's
  ``TRY(…)``;
- Spark's and Hive's ``LATERAL VIEW OUTER explode(…)`` keeps a row with NULL for an empty or NULL
  array (sqlglot's cross join of an UNNEST drops it): a left lateral join.

Refused, naming the construct and the dialect: FLATTEN's ``PATH``, ``RECURSIVE`` and ``MODE``
arguments and its ``SEQ``, ``KEY``, ``PATH`` and ``THIS`` columns, ``TABLE(…)`` over
another function, and ``LATERAL VIEW OUTER posexplode(…)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
from sqlglot import exp

from lakekit.errors import SqlError

Types = Mapping[str, Mapping[str, pa.DataType]]
"""Source alias → its columns' Arrow types (the pinned inputs'), for the rewrites that need a type."""

_DATE_KEEPING = {"bigquery", "snowflake"}
_HIVE_DATES = {"spark", "databricks", "hive"}
"""Dialects whose ``trunc``, ``date_add``, ``date_sub`` and ``add_months`` give a DATE."""
_HIVE_UNITS = {"YYYY": "YEAR", "YY": "YEAR", "MM": "MONTH", "MON": "MONTH"}
_INT64_SUMS = {"bigquery", "spark", "databricks", "hive"}
_DATE_FUNCTIONS = (exp.DateTrunc, exp.TimestampTrunc, exp.DateAdd, exp.DateSub, exp.TsOrDsAdd, exp.AddMonths)
_FLATTEN_COLUMNS = {"value", "index"}
_INTEGER_DIVISION = {"postgres", "redshift", "tsql", "sqlite", "trino", "presto", "athena"}
_SUNDAY_IS_ONE = {"bigquery", "spark", "databricks", "hive", "tsql", "mysql"}
"""Dialects whose day of the week counts from 1 on Sunday (T-SQL: under its default ``DATEFIRST``)."""
_MONDAY_IS_ZERO = {"spark", "databricks", "hive", "mysql"}
"""Dialects whose ``WEEKDAY`` counts from 0 on Monday."""


def conform(tree: exp.Expr, dialect: str, types: Types, target: str = "duckdb") -> exp.Expr:
    """Apply the rewrites of the module's docstring to ``tree`` in place, for the engine ``target``
    (``duckdb`` or ``spark``); return it.

    >>> import sqlglot
    >>> tree = sqlglot.parse_one("SELECT e.props:page::STRING AS p, COUNT_IF(e.n > 0) AS c FROM ev AS e",
    ...                          read="snowflake")
    >>> conform(tree, "snowflake", {}).sql("duckdb")
    "SELECT CAST(e.props ->> '$.page' AS TEXT) AS p, CAST(COUNT_IF((e.n > 0) IS TRUE) AS BIGINT) AS c FROM ev AS e"
    """
    _json_values(tree)
    _unbounded(tree)
    if dialect == "bigquery" and target == "duckdb":  # sqlglot's Spark POSEXPLODE counts from 0 already
        _offsets_from_zero(tree)
        for safe in list(tree.find_all(exp.SafeFunc)):
            safe.replace(exp.Anonymous(this="TRY", expressions=[safe.this.copy()]))
    if dialect in _DATE_KEEPING:
        for node in list(tree.find_all(*_DATE_FUNCTIONS)):
            if _is_date(node.this, types):
                node.replace(exp.cast(node.copy(), exp.DataType.Type.DATE))
    _integers(tree, dialect, types)
    if target == "duckdb":  # Spark's own functions count as these dialects do
        _weekdays(tree, dialect)
        if dialect in _HIVE_DATES:
            _hive_dates(tree, types)
            _hive_gets(tree)
    if dialect == "snowflake":
        _flatten(tree, target)
    if target == "duckdb":
        _outer_views(tree, dialect)
    return tree


def _outer_views(tree: exp.Expr, dialect: str) -> None:
    """``LATERAL VIEW OUTER explode(a) t AS v`` as ``LEFT JOIN LATERAL (SELECT UNNEST(a) AS v) AS t ON TRUE``."""
    for view in list(tree.find_all(exp.Lateral)):
        exploded, alias, select = view.this, view.args.get("alias"), view.parent
        outer = view.args.get("outer") or isinstance(exploded, exp.ExplodeOuter)
        if not view.args.get("view") or not outer or not isinstance(select, exp.Select):
            continue
        if not isinstance(exploded, exp.Explode) or isinstance(exploded, exp.Posexplode) or alias is None \
                or len(alias.columns) != 1:
            raise SqlError(f"{dialect} LATERAL VIEW OUTER is only supported over explode(…) AS one column")
        rows = exp.select(exp.alias_(exp.Explode(this=exploded.this.copy()), alias.columns[0].copy())).subquery()
        view.pop()
        select.append("joins", exp.Join(this=exp.Lateral(this=rows, alias=exp.TableAlias(this=alias.this.copy())),
                                        side="LEFT", on=exp.true()))


def _integers(tree: exp.Expr, dialect: str, types: Types) -> None:
    """Counts, integer sums and integer quotients as the source dialect types and computes them."""
    wide: list[exp.Expr] = list(tree.find_all(exp.CountIf))
    if dialect in _INT64_SUMS:
        wide += [total for total in tree.find_all(exp.Sum) if _is_integer(total.this, types)]
        wide += list(tree.find_all(exp.IntDiv))
    for node in wide:
        while isinstance(node.parent, exp.Window | exp.Filter) and node.arg_key == "this":
            node = node.parent  # an aggregate over a window or with a FILTER is cast as a whole
        node.replace(exp.cast(node.copy(), exp.DataType.Type.BIGINT))
    if dialect in _INTEGER_DIVISION:
        for division in list(tree.find_all(exp.Div)):
            if _is_integer(division.this, types) and _is_integer(division.expression, types):
                division.replace(exp.IntDiv(this=division.this.copy(), expression=division.expression.copy()))


def _hive_dates(tree: exp.Expr, types: Types) -> None:
    """``trunc(d, 'MM')`` as DuckDB names the unit, and a DATE; date arithmetic on a DATE a DATE."""
    for node in list(tree.find_all(exp.DateTrunc, exp.TsOrDsAdd, exp.AddMonths)):
        if isinstance(node, exp.DateTrunc):
            unit = node.args.get("unit")
            if isinstance(unit, exp.Literal) and unit.is_string:
                node.set("unit", exp.Literal.string(_HIVE_UNITS.get(unit.this.upper(), unit.this)))
        elif not _is_date(node.this, types):
            continue
        node.replace(exp.cast(node.copy(), exp.DataType.Type.DATE))


def _hive_gets(tree: exp.Expr) -> None:
    """``get(a, i)`` as ``CASE WHEN i >= 0 THEN list_extract(a, i + 1) END``."""
    for node in list(tree.find_all(exp.Anonymous)):
        if node.name.lower() != "get" or len(node.expressions) != 2:
            continue
        array, index = (e.copy() for e in node.expressions)
        extracted = exp.Anonymous(this="list_extract", expressions=[array, exp.Add(this=index.copy(),
                                                                                 expression=exp.Literal.number(1))])
        node.replace(exp.Case(ifs=[exp.If(this=exp.GTE(this=index, expression=exp.Literal.number(0)),
                                          true=extracted)]))


def _unbounded(tree: exp.Expr) -> None:
    """T-SQL's ``VARCHAR(MAX)`` is a string of any length: DuckDB's plain string type."""
    for node in tree.find_all(exp.DataType):
        if any(isinstance(p, exp.DataTypeParam) and p.name.upper() == "MAX" for p in node.expressions):
            node.set("expressions", [])


def _weekdays(tree: exp.Expr, dialect: str) -> None:
    """The day of the week as the dialect counts it (DuckDB: 0 on Sunday for both)."""
    for node in list(tree.find_all(exp.DayOfWeek, exp.Extract, exp.Anonymous)):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "weekday" and dialect in _MONDAY_IS_ZERO:
            node.replace(exp.Paren(this=exp.Sub(this=exp.DayOfWeekIso(this=node.expressions[0].copy()),
                                                expression=exp.Literal.number(1))))
        elif dialect in _SUNDAY_IS_ONE and (isinstance(node, exp.DayOfWeek) or (
                isinstance(node, exp.Extract) and node.name.upper() in ("DAYOFWEEK", "DOW", "WEEKDAY", "DW"))):
            node.replace(exp.Paren(this=exp.Add(this=node.copy(), expression=exp.Literal.number(1))))


def _json_values(tree: exp.Expr) -> None:
    for cast in tree.find_all(exp.Cast):
        path = cast.this
        if isinstance(path, exp.JSONExtract) and not cast.to.is_type(*exp.DataType.NESTED_TYPES, "json"):
            cast.set("this", exp.JSONExtractScalar(this=path.this, expression=path.expression))


def _offsets_from_zero(tree: exp.Expr) -> None:
    """Each read of an ``UNNEST … WITH OFFSET AS o`` column in its SELECT becomes ``(o - 1)``."""
    for unnest in list(tree.find_all(exp.Unnest)):
        offset = unnest.args.get("offset")
        select = unnest.find_ancestor(exp.Select)
        if not isinstance(offset, exp.Identifier) or select is None:
            continue
        for column in list(select.find_all(exp.Column)):
            if column.name != offset.name or column.table not in ("", unnest.alias):
                continue
            shifted: exp.Expr = exp.Paren(this=exp.Sub(this=column.copy(), expression=exp.Literal.number(1)))
            if column.parent is select and column.arg_key == "expressions":
                shifted = exp.alias_(shifted, offset.copy())
            column.replace(shifted)


def _flatten(tree: exp.Expr, target: str) -> None:
    for node in list(tree.find_all(exp.Lateral, exp.TableFromRows)):
        explode = node.this
        if not isinstance(explode, exp.Explode):
            if isinstance(node, exp.TableFromRows):
                raise SqlError(f"Snowflake TABLE({_name(explode)}(…)) is not supported: only TABLE(FLATTEN(…))")
            continue
        if target != "duckdb":
            raise SqlError(f"Snowflake FLATTEN is not supported on {target}: run this transform on duckdb")
        arguments = _arguments(explode)
        refused = sorted(set(arguments) - {"input", "outer"})
        if refused or "input" not in arguments:
            raise SqlError(f"Snowflake FLATTEN with {', '.join(a.upper() for a in refused) or 'no INPUT'} "
                           "is not supported: FLATTEN(input => …[, outer => …])")
        alias = node.alias or "_flattened"
        _check_columns(tree, alias)
        items = exp.cast(arguments["input"].copy(), exp.DataType.build("JSON[]"))
        rows = exp.select(exp.alias_(exp.Unnest(expressions=[items]), "value"),
                          exp.alias_(exp.Sub(this=exp.func("generate_subscripts", items.copy(), exp.Literal.number(1)),
                                             expression=exp.Literal.number(1)), "index"))
        lateral = exp.Lateral(this=rows.subquery(), alias=exp.TableAlias(this=exp.to_identifier(alias)))
        node.replace(lateral)
        outer = arguments.get("outer")
        if outer is not None and outer.sql().upper() == "TRUE" and isinstance(lateral.parent, exp.Join):
            lateral.parent.set("side", "LEFT")
            lateral.parent.set("on", exp.true())


def _arguments(explode: exp.Explode) -> dict[str, exp.Expr]:
    found: dict[str, exp.Expr] = {}
    for argument in [explode.this, *explode.expressions]:
        if isinstance(argument, exp.Kwarg):
            found[argument.this.name.lower()] = argument.expression
        elif argument is not None:
            found.setdefault("input", argument)
    return found


def _check_columns(tree: exp.Expr, alias: str) -> None:
    for column in tree.find_all(exp.Column):
        if column.table.lower() == alias.lower() and column.name.lower() not in _FLATTEN_COLUMNS:
            raise SqlError(f"Snowflake FLATTEN's {column.name.upper()} column is not supported: read VALUE and INDEX")


def _name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.upper()
    return node.sql_name() if isinstance(node, exp.Func) else node.key.upper()


def _type(column: exp.Column, types: Types) -> pa.DataType | None:
    """The Arrow type of a column of a pinned input: by its alias, or the one source holding it."""
    if column.table:
        return types.get(column.table, {}).get(column.name)
    found = [columns[column.name] for columns in types.values() if column.name in columns]
    return found[0] if len(found) == 1 else None


def _is_date(node: exp.Expr | None, types: Types) -> bool:
    """``node`` is a DATE: a date literal or conversion, CURRENT_DATE, or a DATE column."""
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.is_type(exp.DataType.Type.DATE)
    if isinstance(node, exp.Date | exp.CurrentDate | exp.DateFromParts | exp.TsOrDsToDate | exp.StrToDate):
        return True
    if isinstance(node, exp.Column):
        found = _type(node, types)
        return found is not None and pa.types.is_date(found)
    if isinstance(node, exp.Paren):
        return _is_date(node.this, types)
    return False


def _is_integer(node: exp.Expr | None, types: Types) -> bool:
    """``node`` is an integer: an integer literal or column, arithmetic or a choice of integers."""
    if isinstance(node, exp.Literal):
        return node.is_int
    if isinstance(node, exp.Column):
        found = _type(node, types)
        return found is not None and pa.types.is_integer(found)
    if isinstance(node, exp.Paren | exp.Neg):
        return _is_integer(node.this, types)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul):
        return _is_integer(node.this, types) and _is_integer(node.expression, types)
    if isinstance(node, exp.If):
        return all(_is_integer(node.args.get(k), types) for k in ("true", "false") if node.args.get(k) is not None)
    if isinstance(node, exp.Case):
        branches = [i.args.get("true") for i in node.args.get("ifs", [])] + [node.args.get("default")]
        return all(_is_integer(b, types) for b in branches if b is not None)
    return False
