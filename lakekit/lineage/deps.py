"""What one value depends on: the shared currency of the lineage passes.

A :class:`Deps` holds, for one expression or output column, the base-table columns whose
values flow into it (with the strongest direct subtype seen on any path) and the
base-table columns that decide it per column (``window`` and ``conditional``). Passes
combine ``Deps`` and never look at SQL text.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from lakekit.core.results import DirectSubtype, IndirectSubtype
from lakekit.lineage.names import WILDCARD

BaseColumn = tuple[str, str]
"""``(table, column)`` of a base table: the table lower-case as written in the SQL, the column
spelled as :mod:`lakekit.lineage.names` says (lower-case unless quoted case-sensitively)."""


class Strength(enum.IntEnum):
    """Direct subtypes, ordered so that the strongest path wins: ``max`` picks it."""

    IDENTITY = 0
    TRANSFORMATION = 1
    AGGREGATION = 2

    @property
    def subtype(self) -> DirectSubtype:
        names: dict[Strength, DirectSubtype] = {
            Strength.IDENTITY: "identity",
            Strength.TRANSFORMATION: "transformation",
            Strength.AGGREGATION: "aggregation",
        }
        return names[self]


Indirect = tuple[BaseColumn, IndirectSubtype]


class Carry(enum.IntEnum):
    """How a base column's value is still in a result, ordered so that the closest path wins
    (``min`` picks it): ``SAME`` read as is; ``FOLDED`` the same value, normalised (``lower``,
    ``trim``, a cast, ``coalesce``, ``min``/``max``); ``EMBEDDED`` inside a larger value
    (concatenation, JSON extraction, ``string_agg``). A value that does not survive (``length``,
    ``md5``, ``sum``) has no carry: it is a direct edge all the same, but no copy of the value."""

    SAME = 0
    FOLDED = 1
    EMBEDDED = 2


_EMPTY: Mapping[BaseColumn, Strength] = MappingProxyType({})
_NONE: Mapping[BaseColumn, Carry] = MappingProxyType({})
_NO_FIELDS: Mapping[str, Deps] = MappingProxyType({})


@dataclass(frozen=True)
class Deps:
    """Base columns one value depends on.

    >>> a = Deps.of(("t", "a"))
    >>> b = Deps.of(("t", "b")).at_least(Strength.AGGREGATION)
    >>> sorted((c, s.subtype) for c, s in a.merge(b).direct.items())
    [(('t', 'a'), 'identity'), (('t', 'b'), 'aggregation')]
    >>> sorted(a.merge(b).flatten("filter"))
    [(('t', 'a'), 'filter'), (('t', 'b'), 'filter')]
    """

    direct: Mapping[BaseColumn, Strength] = field(default_factory=lambda: _EMPTY)
    indirect: frozenset[Indirect] = frozenset()
    carried: Mapping[BaseColumn, Carry] = field(default_factory=lambda: _NONE)
    """The base columns whose values are in this one (a subset of ``direct``), and how."""
    fields: Mapping[str, Deps] = field(default_factory=lambda: _NO_FIELDS)
    """A struct or object the query builds (``STRUCT(a AS k)``, ``OBJECT_CONSTRUCT('k', a)``): what
    each of its fields holds, by lower-case name."""

    @staticmethod
    def of(column: BaseColumn) -> Deps:
        """A base column read as is."""
        return Deps(MappingProxyType({column: Strength.IDENTITY}), carried=MappingProxyType({column: Carry.SAME}))

    @staticmethod
    def union(parts: Iterable[Deps]) -> Deps:
        """All paths together; per base column the strongest direct subtype wins, and the
        closest carry."""
        direct: dict[BaseColumn, Strength] = {}
        indirect: set[Indirect] = set()
        carried: dict[BaseColumn, Carry] = {}
        fields: dict[str, list[Deps]] = {}
        for part in parts:
            for column, strength in part.direct.items():
                if strength > direct.get(column, -1):
                    direct[column] = strength
            for column, carry in part.carried.items():
                carried[column] = min(carry, carried.get(column, carry))
            indirect |= part.indirect
            for key, held in part.fields.items():
                fields.setdefault(key, []).append(held)
        merged = {key: held[0] if len(held) == 1 else Deps.union(held) for key, held in fields.items()}
        return Deps(MappingProxyType(direct), frozenset(indirect), MappingProxyType(carried),
                    MappingProxyType(merged) if merged else _NO_FIELDS)

    @staticmethod
    def built(fields: Mapping[str, Deps]) -> Deps:
        """A struct or object built from ``fields`` (name → what it holds): it embeds them all."""
        whole = Deps.union(fields.values()).carrying(Carry.EMBEDDED)
        return replace(whole, fields=MappingProxyType({key.lower(): held for key, held in fields.items()}))

    def merge(self, other: Deps) -> Deps:
        return Deps.union((self, other))

    def at_least(self, floor: Strength) -> Deps:
        """The same paths seen through an expression at least as strong as ``floor``."""
        if floor == Strength.IDENTITY or not self.direct:
            return self
        raised = {column: max(strength, floor) for column, strength in self.direct.items()}
        return replace(self, direct=MappingProxyType(raised))

    def carrying(self, carry: Carry | None) -> Deps:
        """The same paths through an expression that keeps the values at best as ``carry``
        (None: keeps none of them)."""
        kept = {} if carry is None else {column: max(c, carry) for column, c in self.carried.items()}
        return replace(self, carried=MappingProxyType(kept))

    def flatten(self, subtype: IndirectSubtype) -> frozenset[Indirect]:
        """Every base column this value depends on, as indirect edges of ``subtype``.

        This is how a derived column used in a condition contributes its base columns.
        """
        columns = set(self.direct) | {column for column, _ in self.indirect}
        return frozenset((column, subtype) for column in columns)

    def respelled(self, old: str, new: str) -> Deps:
        """The same paths, base columns named ``old`` renamed ``new`` (a wildcard read as one column)."""
        return self._renamed(lambda column: (column[0], new) if column[1] == old else column)

    def _renamed(self, name: Callable[[BaseColumn], BaseColumn]) -> Deps:
        return Deps(MappingProxyType({name(c): s for c, s in self.direct.items()}), self.indirect,
                    MappingProxyType({name(c): carry for c, carry in self.carried.items()}))

    def field(self, path: list[str], *, nested: bool) -> Deps | None:
        """What the field ``path`` (``["asset", "id"]``) of this value holds. A field of a struct
        the query built is what was put in it (the struct's conditions kept). Past that, with
        ``nested``, each base column whose value this one is, as is or folded (``coalesce``,
        ``any_value``, an UNNEST's element), becomes its nested column ``column.asset.id`` and the
        others are kept whole; without, the field is not known (None).

        >>> deps = Deps.of(("t", "widget")).merge(Deps.of(("t", "n")).carrying(None))
        >>> sorted(deps.field(["asset", "id"], nested=True).direct)
        [('t', 'n'), ('t', 'widget.asset.id')]
        >>> built = Deps.built({"K": Deps.of(("t", "a")), "j": Deps.of(("t", "b"))})
        >>> sorted(built.field(["k"], nested=False).direct), built.field(["x"], nested=False)
        ([('t', 'a')], None)
        """
        if not path:
            return self
        held = self.fields.get(path[0].lower())
        if held is not None:
            return held.with_indirect(self.indirect).field(path[1:], nested=nested)
        if not nested:
            return None
        suffix = ".".join(path)

        def name(column: BaseColumn) -> BaseColumn:
            keeps = column in self.carried and self.carried[column] <= Carry.FOLDED and column[1] != WILDCARD
            return (column[0], f"{column[1]}.{suffix}") if keeps else column

        return self._renamed(name)

    def with_indirect(self, extra: Iterable[Indirect]) -> Deps:
        return replace(self, indirect=self.indirect | frozenset(extra))
