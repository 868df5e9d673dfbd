"""What lakekit reads from a pandera model besides its checks: its uniqueness keys, the
``on_invalid`` policy and the PII tags of its columns.

A model is pandera's own object, so reading it imports nothing: this module (and every layer
that only names :data:`Model` in its signatures) leaves pandera and polars unimported until a
schema is actually used (:mod:`lakekit.core.checks` compiles one). Pure: no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias, get_args

from lakekit.errors import UsageError

if TYPE_CHECKING:
    import pandera.polars as pa
    import polars as pl

Model: TypeAlias = "type[pa.DataFrameModel]"
"""A table's schema: a pandera polars ``DataFrameModel`` (its ``Config.name`` is the table)."""

OnInvalid = Literal["quarantine", "fail", "warn"]
"""What a failing row does: go to quarantine, abort the whole write, or commit anyway."""


def table_of(model: Model) -> str:
    """The table ``model`` governs (its ``Config.name``; its class name when it has none)."""
    return str(model.__config__.name) if model.__config__ else model.__name__


@dataclass(frozen=True)
class Key:
    """Columns whose values (together) must be unique across the table."""

    columns: tuple[str, ...]
    check: str

    @property
    def label(self) -> str:
        return ",".join(self.columns)

    @property
    def value(self) -> pl.Expr:
        """The key as one expression (a struct for several columns)."""
        import polars as pl

        return pl.col(self.columns[0]) if len(self.columns) == 1 else pl.struct(*self.columns)


def unique_keys(model: Model) -> tuple[Key, ...]:
    """Every uniqueness constraint of ``model``: ``unique=True`` fields and ``Config.unique``."""
    schema = model.to_schema()
    keys = [Key((name,), "field_uniqueness") for name, c in schema.columns.items() if c.unique and not c.regex]
    if schema.unique:
        combined = (schema.unique,) if isinstance(schema.unique, str) else tuple(schema.unique)
        keys.append(Key(combined, "multiple_fields_uniqueness"))
    return tuple(keys)


def policy_of(model: Model, override: OnInvalid | None = None) -> OnInvalid:
    """The ``on_invalid`` policy: ``override``, else ``Config.metadata["on_invalid"]``, else quarantine.

    pandera reads every unknown ``Config`` attribute as a dataframe check, so the policy sits
    in the schema-level ``metadata`` dict pandera keeps for such data.
    """
    metadata = (model.__config__.metadata if model.__config__ else None) or {}
    policy = override if override is not None else metadata.get("on_invalid", "quarantine")
    if policy not in get_args(OnInvalid):
        raise UsageError(f"on_invalid must be one of {', '.join(get_args(OnInvalid))}, not {policy!r}")
    return policy


def pii_columns(model: Model) -> dict[str, str]:
    """Column → the identifier kind it holds, from field metadata ``{"pii": kind}``."""
    return {name: tag.kind for name, tag in pii_tags(model).items()}


TEXT = "text"
"""The kind of a free-text column: searched for every identifier of a subject, mentions redacted."""


@dataclass(frozen=True)
class PiiTag:
    """How a schema tags a column holding personal data (field metadata):

    - ``"pii": kind`` — the kind of identifier it holds (``"email"``, ``"customer_id"``), or
      ``"text"`` for free text that may mention anyone;
    - ``"identifying": True`` — its values name one person, wherever they appear (a customer id in
      orders): a subject's values here are followed to their other rows, unique or not;
      ``False`` — a quasi-identifier (a shared IP), never followed even when unique; absent —
      followed when the schema declares the column unique;
    - ``"on_erase": "row"`` (free text) — a row mentioning the subject is dropped whole rather
      than having the mention replaced.
    """

    kind: str
    identifying: bool | None = None
    drop_row: bool = False


def pii_tags(model: Model) -> dict[str, PiiTag]:
    """Column → its :class:`PiiTag`, for the columns whose field metadata has ``"pii"``."""
    found = {}
    for name, column in model.to_schema().columns.items():
        meta = column.metadata or {}
        if "pii" in meta:
            identifying = meta.get("identifying")
            found[name] = PiiTag(str(meta["pii"]), None if identifying is None else bool(identifying),
                                 meta.get("on_erase") == "row")
    return found
