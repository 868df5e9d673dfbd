"""An UPDATE or DELETE as delta-rs runs it itself, where that is faithful. Pure.

delta-rs's ``DeltaTable.update`` and ``delete`` rewrite only the files holding rows the
predicate picks, and commit an UPDATE or DELETE with the predicate in its operation
parameters; they read the predicate and the new values as DataFusion SQL. DataFusion and
DuckDB differ where it matters (DataFusion's integer arithmetic wraps around and its division
by zero fails, its casts of out-of-range literals fail, its float ordering is total: ``-0.0 <
0.0``, a NaN with its sign bit set below ``-inf``; its ``lower`` / ``upper`` map Unicode case
otherwise: ``upper('ß')`` is ``SS``, DuckDB's ``ẞ``), so only what both evaluate alike is
translated, and what both evaluate alike only on some values is translated with a *guard*
(:attr:`Native.guards`): a condition DuckDB checks on the target's rows first, one row meeting
it sending the statement to the rewrite.

A WHERE: comparisons, ``IN`` lists, ``BETWEEN`` and ``IS [NOT] NULL`` of integer, string,
boolean, date and timestamp (microseconds, naive or UTC) columns against literals of their own
kind (``DATE 'yyyy-mm-dd'``, ``TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.ffffff]'``, a ``TIMESTAMPTZ`` one
with an offset as its instant in UTC) or other columns of
their type, under ``AND`` / ``OR`` / ``NOT``; a double column against non-zero literals only
(guarded: no row holds a NaN); a string column as ``lower`` / ``upper`` (guarded: the column's
values are ASCII) or ``trim`` / ``ltrim`` / ``rtrim`` (both remove spaces only) of it.
A SET value: such a literal (a float one in plain decimal notation of at most 15 digits, read
alike by both), ``NULL``, a column of the same type; ``+``, ``-``, ``*`` and negation of signed
integer or double values; ``/`` and ``%`` (``MOD``) by a literal that is not 0 (nor -1 for
integers, whose quotient or remainder overflows in DataFusion): of doubles (IEEE in both), of
integers where the dialect divides integers as integers (Postgres, T-SQL: truncated, as
DataFusion does; BigQuery's ``DIV``; elsewhere ``/`` gives a float, left to the rewrite),
remainders with the dividend's sign in all three; values that compute are checked
(:attr:`Native.checked`: DuckDB computes them first, and a statement it fails on, an overflow
DataFusion would wrap around, is left to the rewrite); ``||`` and ``CONCAT`` of strings (NULL
as the dialect reads it), ``lower`` / ``upper`` / ``trim`` of strings as above; ``CASE WHEN`` of
such predicates and values. Anything else is :data:`None`: DuckDB runs the statement instead
(:mod:`lakekit.transform.rewrite`), rewriting the same files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import pyarrow as pa
from sqlglot import exp

from lakekit.storage import scan
from lakekit.storage.scan import quote
from lakekit.transform.statement import Change

Kind = Literal["integer", "float", "string", "boolean", "date", "timestamp"]
_READ_ARGS = frozenset({"this", "expression", "expressions", "low", "high", "table", "is_string", "negate", "to",
                        "ifs", "default", "true"})
"""The parts of a node the translation reads; a node with any other part set (``BETWEEN
SYMMETRIC``, a column's ``(+)`` join mark…) is not translated."""
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?")
_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$")
"""A time zone offset closing a ``TIMESTAMPTZ`` literal (``+02``, ``-05:30``, ``Z``)."""
_DECIMAL = re.compile(r"(\d*)\.?(\d*)")
_FLOAT_DIGITS = 15
"""A decimal literal of at most this many digits is the same double whether parsed as text
(DataFusion) or divided from an exact DECIMAL (DuckDB): numerator and power of ten are exact."""
_ARITHMETIC: dict[type[exp.Expr], str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*"}
_DIVISIONS: dict[type[exp.Expr], str] = {exp.Div: "/", exp.IntDiv: "/", exp.Mod: "%"}
_CASED: dict[type[exp.Expr], str] = {exp.Lower: "lower", exp.Upper: "upper"}
_TRIMS = {None: "trim", "LEADING": "ltrim", "TRAILING": "rtrim"}
_COMPARISONS: dict[type[exp.Expr], str] = {exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">",
                                           exp.GTE: ">="}


@dataclass(frozen=True)
class Native:
    """A change in delta-rs's terms: ``predicate`` (``None``: every row) and, for an UPDATE, the
    new value of each column it sets (both DataFusion SQL)."""

    kind: Literal["update", "delete"]
    predicate: str | None
    updates: dict[str, str]
    checked: bool = False
    """Its values compute (arithmetic): DuckDB computes them first, and where it fails (an
    overflow), the statement is not delta-rs's to run."""
    guards: tuple[str, ...] = ()
    """Conditions on the target's rows (DuckDB SQL) under which DataFusion could evaluate the
    statement otherwise: a row meeting one sends the statement to the rewrite."""

    def sql(self) -> str:
        """The change as one statement, for people (``UPDATE SET "a" = 1 WHERE "b" > 0``)."""
        sets = f"UPDATE SET {', '.join(f'{c} = {v}' for c, v in self.updates.items())}" if self.kind == "update" \
            else "DELETE"
        return f"{sets} WHERE {self.predicate}" if self.predicate is not None else sets


def native(change: Change, schema: pa.Schema) -> Native | None:
    """``change`` in delta-rs's terms, or ``None`` where DataFusion might not give DuckDB's result.

    >>> s = pa.schema({"id": pa.int32(), "status": pa.string()})
    >>> where = exp.condition("id >= 3 AND NOT status IN ('a', 'b')")
    >>> native(Change("update", where, (("status", exp.Literal.string("x")),)), s)  # doctest: +NORMALIZE_WHITESPACE
    Native(kind='update', predicate='("id" >= 3 AND NOT ("status" IN (\\'a\\', \\'b\\')))', updates={'"status"': "'x'"},
           checked=False, guards=())
    >>> native(Change("delete", exp.condition("lower(status) = 'a'"), ()), s).guards
    ('strlen("status") <> length("status")',)
    >>> native(Change("delete", exp.condition("id * 2 > 3"), ()), s) is None
    True
    """
    if change.joined:
        return None
    columns = _Columns(schema)
    predicate = _predicate(change.condition, columns) if change.condition is not None else None
    if change.condition is not None and predicate is None:
        return None
    updates = {}
    for column, value in change.assignments:
        translated = _value(value, columns, schema.field(column).type)
        if translated is None:
            return None
        updates[quote(column)] = translated
    computing = (*_ARITHMETIC, *_DIVISIONS)
    checked = any(isinstance(n, computing) or (isinstance(n, exp.Neg) and not isinstance(n.this, exp.Literal))
                  for _, value in change.assignments for n in value.walk())
    return Native(change.kind, predicate, updates, checked, tuple(sorted(columns.guards)))


class _Columns:
    """The target's columns by the name a statement may spell in any case (DuckDB's rules)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.guards: set[str] = set()
        """The guards the translation needs (:attr:`Native.guards`)."""
        self.by_name: dict[str, pa.Field | None] = {}
        for field in schema:
            key = field.name.lower()
            self.by_name[key] = None if key in self.by_name else field  # two spellings of one name: not ours to pick

    def field(self, node: exp.Expr) -> pa.Field | None:
        if not isinstance(node, exp.Column) or not _plain(node):
            return None
        return self.by_name.get(node.name.lower())

    def kind(self, name: str) -> Kind | None:
        return _kind(self.schema.field(name).type)

    def guard(self, node: exp.Expr, condition: str) -> None:
        """Guard each column read in ``node`` with ``condition`` (``{}``: the column)."""
        for column in node.find_all(exp.Column):
            field = self.field(column)
            if field is not None:
                self.guards.add(condition.format(quote(field.name)))


def _kind(t: pa.DataType) -> Kind | None:
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_date32(t):
        return "date"
    if t == pa.float64():
        return "float"
    if isinstance(t, pa.TimestampType) and t.unit == "us" and t.tz in (None, "UTC"):
        return "timestamp"
    return "boolean" if pa.types.is_boolean(t) else None


def _value(node: exp.Expr, columns: _Columns, t: pa.DataType) -> str | None:
    """A SET value for a column of type ``t`` as DataFusion SQL, or ``None``."""
    kind = _kind(t)
    if kind is None or not _plain(node, "safe", "coalesce"):
        return None
    if isinstance(node, exp.Paren):
        return _value(node.this, columns, t)
    numeric = kind == "float" or (kind == "integer" and pa.types.is_signed_integer(t))
    if isinstance(node, exp.Binary) and type(node) in _ARITHMETIC and numeric:
        left, right = _value(node.left, columns, t), _value(node.right, columns, t)
        return f"({left} {_ARITHMETIC[type(node)]} {right})" if left is not None and right is not None else None
    if isinstance(node, exp.Neg) and not isinstance(node.this, exp.Literal) and numeric:
        inner = _value(node.this, columns, t)
        return f"(- {inner})" if inner is not None else None
    if isinstance(node, exp.Binary) and type(node) in _DIVISIONS and numeric:
        return _divided(node, columns, t)
    if kind == "string" and (called := _called(node, columns, lambda inner: _value(inner, columns, t))) is not None:
        return called
    if isinstance(node, exp.DPipe | exp.Concat) and kind == "string":
        parts = [_value(p, columns, t) for p in ([node.this, node.expression] if isinstance(node, exp.DPipe)
                                                 else node.expressions)]
        if None in parts or not parts:
            return None
        ignoring_nulls = isinstance(node, exp.Concat) and node.args.get("coalesce")
        return f"concat({', '.join(map(str, parts))})" if ignoring_nulls else f"({' || '.join(map(str, parts))})"
    if isinstance(node, exp.Case):
        return _case(node, columns, t)
    return _operand(node, columns, kind, exact=t)


def _divided(node: exp.Binary, columns: _Columns, t: pa.DataType) -> str | None:
    """``a / n``, ``a % n``, ``DIV(a, n)`` by a literal ``n`` where both engines give the same
    quotient or remainder (see the module's docstring)."""
    integer = pa.types.is_integer(t)
    if isinstance(node, exp.Div) and (node.args.get("safe") or (integer and not node.args.get("typed"))):
        return None  # MySQL's NULL for a zero divisor; a float quotient for an integer column: the rewrite's
    if isinstance(node, exp.IntDiv) and not integer:
        return None
    divisor = node.expression.unnest()
    literal = divisor.this if isinstance(divisor, exp.Neg) else divisor
    if not isinstance(literal, exp.Literal) or literal.is_string or float(literal.this) == 0:
        return None
    if integer and (not literal.is_int or (isinstance(divisor, exp.Neg) and int(literal.this) == 1)):
        return None
    left, right = _value(node.this, columns, t), _value(divisor, columns, t)
    return f"({left} {_DIVISIONS[type(node)]} {right})" if left is not None and right is not None else None


def _called(node: exp.Expr, columns: _Columns, inner: Callable[[exp.Expr], str | None]) -> str | None:
    """``lower`` / ``upper`` (guarded: ASCII values) or ``trim`` / ``ltrim`` / ``rtrim`` of a
    string ``inner`` translates, as DataFusion SQL; ``None`` for anything else."""
    if isinstance(node, exp.Lower | exp.Upper) and _plain(node):
        argument = inner(node.this)
        if argument is None:
            return None
        columns.guard(node.this, "strlen({0}) <> length({0})")  # a byte per character: ASCII
        return f"{_CASED[type(node)]}({argument})"
    if isinstance(node, exp.Trim) and _plain(node, "position") and node.args.get("position") in _TRIMS \
            and node.args.get("expression") is None:  # characters to trim: not translated
        argument = inner(node.this)
        return f"{_TRIMS[node.args.get('position')]}({argument})" if argument is not None else None
    return None


def _case(node: exp.Case, columns: _Columns, t: pa.DataType) -> str | None:
    """``CASE WHEN p THEN v … [ELSE d] END`` of predicates and values (not ``CASE x WHEN …``)."""
    if node.this is not None:
        return None
    branches = []
    for branch in node.args.get("ifs") or []:
        if not isinstance(branch, exp.If) or not _plain(branch):
            return None
        condition, value = _predicate(branch.this, columns), _value(branch.args["true"], columns, t)
        if condition is None or value is None:
            return None
        branches.append(f"WHEN {condition} THEN {value}")
    default = node.args.get("default")
    otherwise = _value(default, columns, t) if default is not None else "NULL"
    return f"CASE {' '.join(branches)} ELSE {otherwise} END" if branches and otherwise is not None else None


def _predicate(node: exp.Expr, columns: _Columns) -> str | None:
    """A WHERE as DataFusion SQL, or ``None``."""
    if not _plain(node):
        return None
    if isinstance(node, exp.Paren):
        return _predicate(node.this, columns)
    if isinstance(node, exp.And | exp.Or):
        left, right = _predicate(node.left, columns), _predicate(node.right, columns)
        word = "AND" if isinstance(node, exp.And) else "OR"
        return f"({left} {word} {right})" if left is not None and right is not None else None
    if isinstance(node, exp.Not):
        inner = _predicate(node.this, columns)
        return f"NOT ({inner})" if inner is not None else None
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        field = columns.field(node.this)
        return f"{quote(field.name)} IS {'NOT ' if node.args.get('negate') else ''}NULL" if field is not None else None
    if isinstance(node, exp.Column):
        field = columns.field(node)
        return quote(field.name) if field is not None and pa.types.is_boolean(field.type) else None
    if isinstance(node, exp.Binary) and type(node) in _COMPARISONS:
        return _compared(node, columns)
    if isinstance(node, exp.In | exp.Between):
        return _ranged(node, columns)
    return None


def _compared(node: exp.Binary, columns: _Columns) -> str | None:
    """``a op b``: one side a column (or a string function of one), the other a column or literal
    of its kind; a double column only against a non-zero literal (guarded: no NaN)."""
    field = _compared_field(node.left, columns) or _compared_field(node.right, columns)
    kind = _kind(field.type) if field is not None else None
    if field is None or kind is None or (kind == "float" and not _float_bounded((node.left, node.right), columns)):
        return None
    left, right = (_operand(side, columns, kind, near=field.type) for side in (node.left, node.right))
    return f"{left} {_COMPARISONS[type(node)]} {right}" if left is not None and right is not None else None


def _compared_field(node: exp.Expr, columns: _Columns) -> pa.Field | None:
    """The column a side of a comparison reads: itself, or the string a function takes."""
    while isinstance(node, exp.Lower | exp.Upper | exp.Trim):
        node = node.this
    return columns.field(node)


def _float_bounded(sides: tuple[exp.Expr | None, ...], columns: _Columns) -> bool:
    """One side a double column, the others non-zero literals: where DataFusion's total order of
    doubles agrees with DuckDB's but for NaN, whose rows the guard sends to the rewrite."""
    read = [side for side in sides if isinstance(side, exp.Column)]
    bounds = [side.this if isinstance(side, exp.Neg) else side for side in sides if not isinstance(side, exp.Column)]
    if len(read) != 1 or not all(isinstance(b, exp.Literal) and not b.is_string and float(b.this) != 0
                                 for b in bounds):
        return False
    columns.guard(read[0], "isnan({0})")
    return True


def _ranged(node: exp.In | exp.Between, columns: _Columns) -> str | None:
    """``c IN (literals)`` and ``c BETWEEN low AND high`` of a column."""
    field = columns.field(node.this)
    kind = _kind(field.type) if field is not None else None
    sides = (node.this, *node.expressions) if isinstance(node, exp.In) else \
        (node.this, node.args.get("low"), node.args.get("high"))
    if field is None or kind is None or (kind == "float" and not _float_bounded(sides, columns)):
        return None
    if isinstance(node, exp.Between):
        bounds = [_operand(node.args.get(k), columns, kind, near=field.type) for k in ("low", "high")]
        return None if None in bounds else f"{quote(field.name)} BETWEEN {bounds[0]} AND {bounds[1]}"
    if node.args.get("query") or node.args.get("unnest") or node.args.get("field") or not node.expressions:
        return None
    items = [_operand(e, columns, kind, near=field.type) for e in node.expressions]
    if None in items or any(isinstance(e, exp.Null) for e in node.expressions):
        return None
    return f"{quote(field.name)} IN ({', '.join(str(i) for i in items)})"


def _operand(node: exp.Expr | None, columns: _Columns, kind: Kind, *, near: pa.DataType | None = None,
             exact: pa.DataType | None = None) -> str | None:
    """A column or a literal of ``kind`` as DataFusion SQL: a column of ``near``'s (or ``exact``'s)
    type (no coercion between types to tell the engines apart), an integer literal that fits it."""
    bound = exact or near
    if node is None:
        return None
    if kind == "string" and (called := _called(
            node, columns, lambda inner: _operand(inner, columns, kind, near=near, exact=exact))) is not None:
        return called
    if not _plain(node):
        return None
    if isinstance(node, exp.Column):
        field = columns.field(node)
        return quote(field.name) if field is not None and field.type == bound else None
    if isinstance(node, exp.Null):
        return "NULL" if exact is not None else None
    if isinstance(node, exp.Boolean):
        return ("TRUE" if node.this else "FALSE") if kind == "boolean" else None
    if isinstance(node, exp.Cast):
        return _date(node) if kind == "date" else _timestamp(node, bound) if kind == "timestamp" else None
    negative = isinstance(node, exp.Neg)
    literal = node.this if negative and isinstance(node, exp.Neg) else node
    if not isinstance(literal, exp.Literal):
        return None
    if literal.is_string:
        text = literal.this
        return scan.literal(text) if kind == "string" and not negative and "\\" not in text else None
    if kind == "float":
        return _float(literal.this, negative)
    if kind != "integer" or not literal.is_int:
        return None
    value = -int(literal.this) if negative else int(literal.this)
    return str(value) if bound is not None and _fits(value, bound) else None


def _float(text: str, negative: bool) -> str | None:
    """A decimal literal for a double column, where both engines read it as the same double."""
    digits = _DECIMAL.fullmatch(text)
    significant = "".join(digits.groups()).lstrip("0") if digits is not None else ""
    if digits is None or not any(digits.groups()) or len(significant) > _FLOAT_DIGITS:
        return None
    if negative and not significant:
        return None  # DuckDB's -0.0 is the decimal 0, a positive zero; DataFusion's is the double -0.0
    return f"{'-' if negative else ''}{text}"


def _timestamp(node: exp.Cast, t: pa.DataType | None) -> str | None:
    """``TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.ffffff]'`` of a valid time, as a timestamp of the column's
    own type (DataFusion's ``TIMESTAMP`` is nanoseconds, which it will not compare to microseconds;
    lakekit's DuckDB reads a naive literal for a UTC column in UTC). ``TIMESTAMPTZ '…+hh[:mm]'``
    (or ``Z``, or no offset: UTC) is its instant, which DuckDB compares with a naive column read
    in UTC and stores in one as its UTC time: the literal in UTC serves both."""
    text = node.this.this if isinstance(node.this, exp.Literal) and node.this.is_string else ""
    naive = node.to.is_type(exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ)
    zoned = node.to.is_type(exp.DataType.Type.TIMESTAMPTZ)
    offset = _OFFSET.search(text) if zoned else None
    wall = text[:offset.start()] if offset is not None else text
    if not isinstance(t, pa.TimestampType) or not (naive or zoned) or node.to.expressions \
            or not _ISO_TIMESTAMP.fullmatch(wall):
        return None
    try:
        moment = datetime.fromisoformat(wall + (offset.group().replace("Z", "+00:00") if offset else ""))
    except ValueError:
        return None
    shown = wall.replace(" ", "T") if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    zone = 'Some("UTC")' if t.tz else "None"
    return f"arrow_cast('{shown}', 'Timestamp(Microsecond, {zone})')"


def _date(node: exp.Cast) -> str | None:
    """``DATE 'yyyy-mm-dd'`` of a valid date (DuckDB and DataFusion would read other text apart)."""
    text = node.this.this if isinstance(node.this, exp.Literal) and node.this.is_string else ""
    if not node.to.is_type(exp.DataType.Type.DATE) or node.to.expressions or not _ISO_DATE.fullmatch(text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return f"DATE '{text}'"


def _plain(node: exp.Expr, *also: str) -> bool:
    return all(key in _READ_ARGS or key in also for key, value in node.args.items() if value)


def _fits(value: int, t: pa.DataType) -> bool:
    bits = t.bit_width
    low, high = (0, 2 ** bits - 1) if pa.types.is_unsigned_integer(t) else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return low <= value <= high
