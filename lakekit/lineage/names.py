"""How lakekit spells the names it reads: the SQL dialect and its identifiers.

Table names are compared case-insensitively (a lake table is ``namespace.name``) and come out
lower-case. A column name is resolved as the dialect resolves it: an unquoted name is
case-insensitive and comes out lower-case; a quoted name is kept as written when the dialect
keeps quoted names as written and the unquoted spelling would fold to something else
(Postgres ``"UserId"``, Snowflake ``"UserId"``), and lower-cased otherwise (Postgres
``"userid"``, Snowflake ``"USERID"``, any name in DuckDB, BigQuery or Spark).

In a dialect that folds unquoted names to upper case, a quoted lower-case name (Snowflake
``"userid"``) comes out the same as the unquoted ``userid``: lakekit's lower-case spelling cannot
tell those two apart.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.dialects.dialect import Dialect

from lakekit.core.names import shown
from lakekit.errors import UsageError

WILDCARD = "*"
"""The column name standing for every column of a table whose columns are unknown."""


def get_dialect(dialect: str | None) -> Dialect:
    """The sqlglot dialect called ``dialect`` (``None``: sqlglot's own); another name is a usage error."""
    try:
        return Dialect.get_or_raise(dialect)
    except ValueError:
        raise UsageError(f"unknown SQL dialect {shown(str(dialect))}") from None


def spelling(name: str, quoted: bool, dialect: Dialect) -> str:
    """The name lakekit gives an identifier.

    >>> pg, snow = get_dialect("postgres"), get_dialect("snowflake")
    >>> spelling("UserId", True, pg), spelling("userid", True, pg), spelling("UserId", False, pg)
    ('UserId', 'userid', 'userid')
    >>> spelling("USERID", True, snow), spelling("UserId", True, snow), spelling("UserId", True, get_dialect("duckdb"))
    ('userid', 'UserId', 'userid')
    """
    if quoted:
        as_written = dialect.normalize_identifier(exp.Identifier(this=name, quoted=True)).name
        folded = dialect.normalize_identifier(exp.Identifier(this=name, quoted=False)).name
        if as_written == name != folded:
            return name
    return name.lower()


def normalize_names(tree: exp.Expr, dialect: Dialect) -> None:
    """Respell every identifier of ``tree`` in place (see :func:`spelling`). A BigQuery table named
    with a partition decorator (`` `d.t$20230101` ``, `` `d.t$__UNPARTITIONED__` ``) is the table
    ``d.t``: ``$`` cannot be part of a BigQuery table's name.

    >>> import sqlglot
    >>> tree = sqlglot.parse_one("SELECT a FROM `p.d.T$20230101`", read="bigquery")
    >>> normalize_names(tree, get_dialect("bigquery")); tree.sql("bigquery")
    'SELECT a FROM `p.d.t`'
    """
    if isinstance(dialect, BigQuery):
        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Identifier) and "$" in table.name:
                table.this.set("this", table.name.partition("$")[0])
    for identifier in tree.find_all(exp.Identifier):
        name = identifier.name
        respelled = spelling(name, bool(identifier.quoted), dialect)
        if respelled != name:
            identifier.set("this", respelled)


def table_name(table: exp.Table) -> str:
    """The table's name as written, dotted and lower-case (``p.d.t`` for BigQuery's `` `p.d.t` ``;
    ``@t`` for T-SQL's table variable ``@t``)."""
    return ".".join(f"@{part.name}" if isinstance(part, exp.Parameter) else part.name for part in table.parts).lower()
