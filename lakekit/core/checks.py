"""Compile a pandera polars schema into polars expressions that judge every row in one pass.

pandera runs each check of a ``DataFrameModel`` as its own query and builds a report of
failure cases (values included) for each. lakekit keeps the schema pandera's, reads it through
pandera's own introspection (``to_schema()``: columns, dtypes, checks with their
``statistics``), and turns its built-in checks into boolean *failure* expressions that one
polars ``select`` evaluates together. Checks it cannot compile (custom ones) stay pandera
``Check`` objects, run by pandera on the same frame. Pure: no I/O here.

Columns whose names start with ``_`` are lakekit's own (``_load_id``) and never checked. This
module imports pandera and polars, so it is imported only where a schema is checked; what else
lakekit reads of a model is in :mod:`lakekit.core.model`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from pandera.api.checks import Check
from pandera.api.function_dispatch import Dispatcher
from pandera.api.polars.components import Column

from lakekit.core.model import Key, Model, table_of, unique_keys
from lakekit.errors import SchemaDrift

ORIGINAL = "\x00original:"
"""Prefix of the column that keeps a coerced column's incoming values during a check pass."""

_Compiler = Callable[[pl.Expr, dict[str, Any]], pl.Expr]


def _pattern(stats: dict[str, Any], key: str = "pattern") -> str:
    value = stats[key]
    return value.pattern if isinstance(value, re.Pattern) else str(value)


def _anchored(stats: dict[str, Any]) -> str:
    pattern = _pattern(stats)
    return pattern if pattern.startswith("^") else f"^{pattern}"


def _in_range(col: pl.Expr, s: dict[str, Any]) -> pl.Expr:
    low = col.ge(s["min_value"]) if s.get("include_min", True) else col.gt(s["min_value"])
    high = col.le(s["max_value"]) if s.get("include_max", True) else col.lt(s["max_value"])
    return low & high


def _str_length(col: pl.Expr, s: dict[str, Any]) -> pl.Expr:
    n = col.str.len_chars()
    if s.get("exact_value") is not None:
        return n.eq(s["exact_value"])
    low, high = s.get("min_value"), s.get("max_value")
    if low is None:
        return n.le(high)
    return n.ge(low) if high is None else n.is_between(low, high)


# Each built-in check, by pandera's registered name, as the expression that is true where a
# value passes; the same polars operations pandera's polars backend applies.
BUILTINS: dict[str, _Compiler] = {
    "equal_to": lambda c, s: c.eq(s["value"]),
    "not_equal_to": lambda c, s: c.ne(s["value"]),
    "greater_than": lambda c, s: c.gt(s["min_value"]),
    "greater_than_or_equal_to": lambda c, s: c.ge(s["min_value"]),
    "less_than": lambda c, s: c.lt(s["max_value"]),
    "less_than_or_equal_to": lambda c, s: c.le(s["max_value"]),
    "in_range": _in_range,
    "isin": lambda c, s: c.is_in(list(s["allowed_values"])),
    "notin": lambda c, s: c.is_in(list(s["forbidden_values"])).not_(),
    "str_matches": lambda c, s: c.str.contains(_anchored(s)),
    "str_contains": lambda c, s: c.str.contains(_pattern(s)),
    "str_startswith": lambda c, s: c.str.starts_with(s["string"]),
    "str_endswith": lambda c, s: c.str.ends_with(s["string"]),
    "str_length": _str_length,
}


@dataclass(frozen=True)
class Rule:
    """One compiled check: ``fails`` is true on the rows that fail it.

    ``rejects`` is False for checks pandera would only warn about (``raise_warning=True``);
    ``dtype`` marks a failed coercion, whose row cannot be stored in the table's types.
    """

    column: str | None
    check: str
    fails: pl.Expr
    rejects: bool = True
    dtype: bool = False


@dataclass(frozen=True)
class Custom:
    """A check lakekit cannot compile: pandera runs it, on ``column`` (None: the whole frame)."""

    column: str | None
    check: Check

    @property
    def name(self) -> str:
        return str(self.check.error or self.check.name)


@dataclass(frozen=True)
class CheckPlan:
    """How to check frames with one set of incoming columns and types.

    ``prepare`` coerces columns to the schema's types (keeping the incoming values under
    ``ORIGINAL + name``); ``rules`` are then evaluated together, ``custom`` by pandera,
    ``keys`` against the keys seen before. ``coerced`` lists the columns ``prepare``
    replaces; ``drop`` the columns a ``strict="filter"`` schema removes from valid rows.
    """

    prepare: tuple[pl.Expr, ...]
    rules: tuple[Rule, ...]
    custom: tuple[Custom, ...]
    keys: tuple[Key, ...]
    coerced: tuple[str, ...]
    drop: tuple[str, ...]


def is_builtin(check: Check) -> bool:
    """Whether ``check`` is pandera's built-in of its name (a schema holds copies of the
    built-ins' dispatchers, so the dispatcher's type and name identify one, not its identity).
    """
    return (
        check.name in BUILTINS
        and Check.is_builtin_check(check.name)
        and isinstance(check._check_fn, Dispatcher)
        and str(check._check_fn) == check.name
        and not check.element_wise
        and check.groupby is None
    )


def coercion(source: pl.DataType, target: pl.DataType, col: pl.Expr) -> pl.Expr | None:
    """``col`` (of type ``source``) as ``target``, null where a value does not fit; None when
    lakekit does not turn ``source`` into ``target`` at all (nested types, temporal from numbers).
    """
    if source == pl.Null() or (target == pl.String() and not source.is_nested()):
        return col.cast(target, strict=False)
    if source.is_nested() or target.is_nested():
        return None
    if source == pl.String():
        if isinstance(target, pl.Datetime):
            return col.str.to_datetime(time_unit=target.time_unit, time_zone=target.time_zone, strict=False)
        if isinstance(target, pl.Date):
            return col.str.to_date(strict=False)
        if isinstance(target, pl.Time):
            return col.str.to_time(strict=False)
        if isinstance(target, pl.Boolean):
            return col.str.to_lowercase().replace_strict({"true": True, "false": False}, default=None)
        if target.is_numeric() or isinstance(target, pl.Categorical | pl.Enum):
            return col.cast(target, strict=False)
        return None
    numeric = (source.is_numeric() or source == pl.Boolean()) and (target.is_numeric() or target == pl.Boolean())
    temporal = isinstance(target, pl.Datetime) and isinstance(source, pl.Datetime | pl.Date)
    if numeric or temporal or (isinstance(source, pl.Categorical | pl.Enum) and target == pl.String()):
        return col.cast(target, strict=False)
    return None


def _column_rules(name: str, column: Column, source: pl.DataType, coerce: bool) -> tuple[list[Rule], pl.Expr | None]:
    """The rules of one schema column present in the data, and its coercion if its type differs."""
    target: pl.DataType = column.dtype.type
    rules: list[Rule] = []
    cast = None
    original = pl.col(name)
    if not column.dtype.check(source):
        cast = coercion(source, target, pl.col(name))
        assert cast is not None, "compile_plan reports types that cannot be coerced"
        original = pl.col(ORIGINAL + name)
        lost = original.is_not_null() & pl.col(name).is_null()
        if (source.is_numeric() or source == pl.Boolean()) and target.is_numeric():
            lost = lost | (pl.col(name).cast(source, strict=False) != original).fill_null(False)
        word = "coerce_dtype" if coerce or column.coerce else "dtype"
        rules.append(Rule(name, f"{word}('{column.dtype}')", lost, dtype=True))
    if not column.nullable:
        missing = original.is_null()
        if target.is_float():
            missing = missing | pl.col(name).is_nan().fill_null(False)
        rules.append(Rule(name, "not_nullable", missing))
    for check in column.checks:
        if is_builtin(check):
            passes = BUILTINS[check.name](pl.col(name), check.statistics or {})
            fails = passes.fill_null(bool(check.ignore_na)).not_()
            rules.append(Rule(name, str(check.error or check.name), fails, rejects=not check.raise_warning))
    return rules, cast


def _matches(column: Column, name: str) -> bool:
    return bool(re.search(column.selector, name)) if column.regex else column.name == name


def drift(model: Model, columns: Mapping[str, pl.DataType]) -> dict[str, str]:
    """Each incoming column that does not fit ``model``, with what is wrong with it."""
    schema = model.to_schema()
    problems: dict[str, str] = {}
    for key, column in schema.columns.items():
        if not column.regex and column.required and key not in columns:
            problems[key] = "is missing (required by the schema)"
    for name, source in columns.items():
        if name.startswith("_"):
            continue
        owners = [c for c in schema.columns.values() if _matches(c, name)]
        if not owners:
            if schema.strict is True:
                problems[name] = "is not in the schema (strict)"
            continue
        target = owners[0].dtype.type
        if not owners[0].dtype.check(source) and coercion(source, target, pl.col(name)) is None:
            problems[name] = f"has type {source}, which cannot become {owners[0].dtype}"
    return problems


def compile_plan(model: Model, columns: Mapping[str, pl.DataType], *, source: str = "data") -> CheckPlan:
    """The check plan of ``model`` for frames with these incoming columns and types.

    Raises :class:`SchemaDrift` naming every column that does not fit.
    """
    problems = drift(model, columns)
    if problems:
        raise SchemaDrift(table_of(model), source, problems)
    schema = model.to_schema()
    rules: list[Rule] = []
    custom: list[Custom] = []
    casts: dict[str, pl.Expr] = {}
    drop: list[str] = []
    for name, source_type in columns.items():
        if name.startswith("_"):
            continue
        owner = next((c for c in schema.columns.values() if _matches(c, name)), None)
        if owner is None:
            if schema.strict == "filter":
                drop.append(name)
            continue
        column_rules, cast = _column_rules(name, owner, source_type, bool(schema.coerce))
        rules.extend(column_rules)
        if cast is not None:
            casts[name] = cast
        custom.extend(Custom(name, c) for c in owner.checks if not is_builtin(c))
    custom.extend(Custom(None, c) for c in schema.checks)
    prepare = (*(pl.col(n).alias(ORIGINAL + n) for n in casts), *(e.alias(n) for n, e in casts.items()))
    present = tuple(k for k in unique_keys(model) if all(c in columns for c in k.columns))
    return CheckPlan(prepare, tuple(rules), tuple(custom), present, tuple(casts), tuple(drop))
