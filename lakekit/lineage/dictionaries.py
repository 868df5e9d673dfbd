"""ClickHouse dictionaries: ``dictGet(db.dict, 'attr', key)`` reads the column ``attr`` of the
dictionary ``db.dict``, looked up by ``key``.

The dictionary is named by the first argument (an identifier or a string), never a column of
the query's sources: :func:`name_dictionaries` turns it into a string before columns are
qualified, and :func:`dictionary_column` gives the dictionary column a lookup reads, a source
of its value as a table's column would be.
"""

from __future__ import annotations

from sqlglot import exp

from lakekit.lineage.deps import BaseColumn

_FAMILY = ("dictget", "dicthas", "dictisin")
"""Name prefixes of the functions taking a dictionary's name first."""


def name_dictionaries(query: exp.Expr) -> None:
    """Write, in place, each dictionary named by an identifier (``default.my_dict``) as a string.

    >>> import sqlglot
    >>> q = sqlglot.parse_one("SELECT dictGet(default.d, 'v', k) FROM t", read="clickhouse")
    >>> name_dictionaries(q); q.sql("clickhouse")
    "SELECT dictGet('default.d', 'v', k) FROM t"
    """
    for call in list(query.find_all(exp.Anonymous)):
        first = call.expressions[0] if call.expressions else None
        if str(call.this).lower().startswith(_FAMILY) and isinstance(first, exp.Column | exp.Dot):
            first.replace(exp.Literal.string(".".join(part.name for part in first.parts)))


def dictionary_column(call: exp.Anonymous) -> BaseColumn | None:
    """``(dictionary, attribute)`` a ``dictGet…`` call reads, when both are written as strings."""
    if not str(call.this).lower().startswith("dictget") or len(call.expressions) < 2:
        return None
    dictionary, attribute = call.expressions[:2]
    if not (isinstance(dictionary, exp.Literal) and dictionary.is_string
            and isinstance(attribute, exp.Literal) and attribute.is_string):
        return None
    return dictionary.name.lower(), attribute.name
