"""A schema's definition: what the lake records of a pandera model, and the model built again from it.

The definition is plain JSON: the table, the settings, and each column's dtype, flags, metadata
(PII tags) and checks, a check by its name and statistics. Its hash names the schema in every
verdict and commit. Built-in checks are rebuilt from their statistics; a custom check's code is
not in the definition, so the rebuilt model carries a stand-in that refuses to run, naming it.
Building a model imports pandera (and polars) where it happens, so describing one that is
already built, or hashing or comparing definitions, imports neither. Pure: no I/O here.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from lakekit.core.model import Model
from lakekit.errors import LakekitError

if TYPE_CHECKING:
    import polars as pl
    from pandera.api.checks import Check

FOLDER_PACKAGE = "lakekit_schema_folder_"
"""Prefix of the package a schema folder is imported as; a model's name leaves it out."""

Definition = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-ready, order-stable form of a schema setting."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, re.Pattern):
        return value.pattern
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _describe_check(check: Check) -> dict[str, Any]:
    from lakekit.core.checks import is_builtin

    return {
        "name": check.name,
        "builtin": is_builtin(check),
        "statistics": _plain(check.statistics),
        "error": check.error,
        "ignore_na": check.ignore_na,
        "raise_warning": check.raise_warning,
        "element_wise": check.element_wise,
    }


def schema_name(model: Model) -> str:
    """The model's import path (within its schema folder, for a folder's models), as recorded."""
    module = model.__module__
    if module.startswith(FOLDER_PACKAGE):
        module = module.partition(".")[2]
    return f"{module}.{model.__qualname__}" if module else model.__qualname__


def describe(model: Model) -> Definition:
    """``model``'s definition: table, columns, dtypes, checks and settings, JSON-ready."""
    schema = model.to_schema()
    config = model.__config__
    return {
        "table": schema.name,
        "strict": schema.strict,
        "unique": _plain(schema.unique),
        "coerce": schema.coerce,
        "ordered": schema.ordered,
        "metadata": _plain(config.metadata if config else None),
        "checks": [_describe_check(c) for c in schema.checks],
        "columns": {
            name: {
                "dtype": str(c.dtype),
                "nullable": c.nullable,
                "unique": c.unique,
                "required": c.required,
                "coerce": c.coerce,
                "regex": c.regex,
                "metadata": _plain(c.metadata),
                "checks": [_describe_check(k) for k in c.checks],
            }
            for name, c in schema.columns.items()
        },
    }


def hash_of(definition: Definition) -> str:
    """A stable hash of a definition. Custom checks count by name and statistics (their code is
    not hashed, so a hash does not change with the Python version)."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def schema_hash(model: Model) -> str:
    """The hash of ``model``'s definition."""
    return hash_of(describe(model))


def tags(definition: Definition) -> dict[str, str]:
    """Column → the PII kind the definition tags it with (``metadata={"pii": kind}``)."""
    return {name: str(c["metadata"]["pii"]) for name, c in definition["columns"].items()
            if c.get("metadata") and c["metadata"].get("pii")}


def _dtype_node(node: ast.AST) -> Any:
    """One node of a polars dtype's repr: a dtype name, a call of one, or a literal argument."""
    import polars as pl

    if isinstance(node, ast.Name):
        found = getattr(pl, node.id, None)
        if isinstance(found, type) and issubclass(found, pl.DataType):
            return found
        raise ValueError(node.id)
    if isinstance(node, ast.Call):
        dtype = _dtype_node(node.func)
        return dtype(*(_dtype_node(a) for a in node.args),
                     **{str(k.arg): _dtype_node(k.value) for k in node.keywords})
    if isinstance(node, ast.Dict):
        return {_dtype_node(k): _dtype_node(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    if isinstance(node, ast.List | ast.Tuple):
        values = [_dtype_node(e) for e in node.elts]
        return tuple(values) if isinstance(node, ast.Tuple) else values
    if isinstance(node, ast.Constant):
        return node.value
    raise ValueError(ast.dump(node))


def parse_dtype(text: str) -> pl.DataType:
    """The polars dtype a definition names (``"Datetime(time_unit='us', time_zone=None)"``),
    read without evaluating anything but polars dtype names and literals."""
    try:
        dtype = _dtype_node(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, TypeError):
        raise LakekitError(f"a recorded schema names a dtype lakekit does not know: {text}") from None
    return dtype() if isinstance(dtype, type) else dtype


class Unrunnable:
    """The stand-in of a custom check in a model rebuilt from its definition: its code is not
    recorded, so running it is an error naming it."""

    def __init__(self, name: str, table: str) -> None:
        self.name = name
        self.table = table

    def __call__(self, *_: Any) -> Any:
        raise LakekitError(f"the schema recorded for '{self.table}' has a custom check '{self.name}' whose code "
                           "is not in the lake: open the lake with the schema folder or package that defines it")


def _check(described: Mapping[str, Any], table: str) -> Check:
    from pandera.api.checks import Check

    options = {"error": described["error"], "ignore_na": described["ignore_na"],
               "raise_warning": described["raise_warning"]}
    statistics = described["statistics"] or {}
    if described.get("builtin"):
        return getattr(Check, described["name"])(**statistics, **options)
    return Check(Unrunnable(described["name"], table), name=described["name"], statistics=statistics,
                 element_wise=described["element_wise"], **options)


def rebuild(definition: Definition, name: str) -> Model:
    """The model ``definition`` describes, named ``name`` (as :func:`schema_name` gives it), whose
    :func:`describe` is ``definition`` again."""
    import pandera.polars as pa

    table = definition["table"]
    columns = {
        column: pa.Column(parse_dtype(c["dtype"]), checks=[_check(k, table) for k in c["checks"]],
                          nullable=c["nullable"], unique=c["unique"], required=c["required"], coerce=c["coerce"],
                          regex=c["regex"], metadata=c["metadata"], name=column)
        for column, c in definition["columns"].items()
    }
    schema = pa.DataFrameSchema(columns, checks=[_check(k, table) for k in definition["checks"]],
                                strict=definition["strict"], unique=definition["unique"],
                                coerce=definition["coerce"], ordered=definition["ordered"], name=table)
    module, _, qualname = name.rpartition(".")
    config = type("Config", (), {"name": table, "metadata": definition["metadata"]})
    namespace = {"Config": config, "__schema__": schema, "__module__": module, "__qualname__": qualname}
    return cast(Model, type(qualname, (pa.DataFrameModel,), namespace))


def differences(old: Definition, new: Definition) -> list[str]:
    """What ``new`` changes of ``old``, column by column, in words (no data values)."""
    found = []
    before, after = old["columns"], new["columns"]
    old_tags, new_tags = tags(old), tags(new)
    for column in sorted(before.keys() | after.keys()):
        if column not in after:
            found.append(f"column '{column}' is gone")
        elif column not in before:
            found.append(f"column '{column}' is new")
        elif old_tags.get(column) != new_tags.get(column):
            found.append(f"column '{column}' PII tag {old_tags.get(column) or 'none'} -> "
                         f"{new_tags.get(column) or 'none'}")
        elif before[column] != after[column]:
            changed = sorted(k for k in before[column].keys() | after[column].keys()
                             if before[column].get(k) != after[column].get(k))
            found.append(f"column '{column}' changes its {', '.join(changed)}")
    settings = sorted(k for k in old.keys() | new.keys() if k != "columns" and old.get(k) != new.get(k))
    if settings:
        found.append(f"the schema's {', '.join(settings)} change")
    return found
