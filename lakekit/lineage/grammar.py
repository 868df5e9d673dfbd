"""sqlglot's parsers, with the syntax they miss that warehouse SQL uses.

- T-SQL ``INSERT … OUTPUT inserted.c, … INTO schema.table [(columns)]``: sqlglot reads only a
  one-part name (or a table variable) after ``INTO``; here any table name, with a column list;
  and ``DELETE FROM t OUTPUT … WHERE w``, whose WHERE sqlglot expects before the OUTPUT.
- T-SQL ``INSERT INTO t [(columns)] EXEC[UTE] procedure …``: the rows a procedure returns,
  read as the ``EXECUTE`` statement sqlglot reads alone (``script.executed`` reads it as the
  result sets of a procedure the script creates; of another, lineage gives it no edges).
- T-SQL ``(SELECT … FOR XML PATH(''), TYPE).value('.', 'NVARCHAR(MAX)')``, the string aggregation
  of ``STUFF`` idioms: a method called on a subquery; sqlglot reads it as a function qualified by the
  subquery and turns the subquery's columns into bare names, which lose their lineage.
- Postgres, Redshift, MySQL, SQLite: ``f(payload -> 'items')`` is a JSON access, as everywhere else
  in these dialects: they have no lambdas (sqlglot reads a lambda ``payload -> 'items'`` in a
  function's arguments, and so loses the column).
- Postgres ``CREATE MATERIALIZED VIEW v AS … WITH [NO] DATA`` (and ``CREATE TABLE … AS``): sqlglot reads the
  view as a command; the clause says whether to fill it now, not what it holds, and is dropped.
- Oracle ``MERGE … WHEN MATCHED THEN UPDATE SET … [WHERE u] DELETE WHERE d``: the rows the
  UPDATE changed and ``d`` then holds for are deleted; read as one more ``WHEN MATCHED AND u AND
  d THEN DELETE`` clause.
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType


class _TSql(Parser):
    def _parse_returning(self) -> exp.Returning | None:
        if not self._match(TokenType.RETURNING):
            return None
        expressions = self._parse_csv(self._parse_expression)
        into = self._parse_schema(self._parse_table_parts(schema=True)) if self._match(TokenType.INTO) else None
        return self.expression(exp.Returning(expressions=expressions, into=into))

    def _parse_delete(self) -> exp.Delete:
        delete = super()._parse_delete()  # DELETE FROM t OUTPUT … INTO … WHERE: sqlglot stops at the WHERE
        if delete.args.get("where") is None and self._match(TokenType.WHERE, advance=False):
            delete.set("where", self._parse_where())
        return delete

    def _parse_column_ops(self, this: exp.Expr | None) -> exp.Expr | None:
        if not isinstance(this, exp.Subquery):
            return super()._parse_column_ops(this)
        kept = this.copy()  # `(SELECT … FOR XML PATH(''), TYPE).value(…)`: sqlglot turns its columns into names
        found = super()._parse_column_ops(this)
        called = found.find(exp.Dot) if found is not None else None
        if called is not None and isinstance(called.this, exp.Subquery):
            called.set("this", kept)
        return found

    def _parse_ddl_select(self) -> exp.Expr | None:
        if self._match(TokenType.EXECUTE):
            return self._parse_execute()  # type: ignore[attr-defined]  # T-SQL's parser has it
        return super()._parse_ddl_select()


class _Oracle(Parser):
    def _parse_when_matched(self) -> exp.Whens:
        whens: list[exp.Expr] = []
        while True:
            whens.extend(super()._parse_when_matched().expressions)
            if not whens or not self._match_pair(TokenType.DELETE, TokenType.WHERE):
                return self.expression(exp.Whens(expressions=whens))
            updated = whens[-1]
            then = updated.args.get("then")
            found = [updated.args.get("condition"), then.args.get("where") if isinstance(then, exp.Update) else None]
            found.append(self._parse_disjunction())
            conditions = [c.this if isinstance(c, exp.Where) else c for c in found if c is not None]
            whens.append(self.expression(exp.When(matched=True, source=False, condition=exp.and_(*conditions),
                                                  then=exp.var("DELETE"))))


class _NoLambdas(Parser):
    LAMBDAS: ClassVar = {token: parse for token, parse in Parser.LAMBDAS.items() if token != TokenType.ARROW}


class _Postgres(_NoLambdas):
    def parse(self, raw_tokens: list[Token], sql: str = "") -> list[exp.Expr | None]:
        return super().parse(_without_data_clause(raw_tokens), sql)


def _without_data_clause(tokens: list[Token]) -> list[Token]:
    """The tokens less each ``WITH [NO] DATA`` ending a statement (it says whether to fill the
    table or view now, not what it holds).

    >>> from lakekit.lineage.names import get_dialect
    >>> tokens = get_dialect("postgres").tokenize("CREATE MATERIALIZED VIEW v AS SELECT 1 WITH NO DATA; SELECT 2")
    >>> " ".join(token.text for token in _without_data_clause(tokens))
    'CREATE MATERIALIZED VIEW v AS SELECT 1 ; SELECT 2'
    """
    kept: list[Token] = []
    index = 0
    while index < len(tokens):
        words = [token.text.upper() for token in tokens[index:index + 3]]
        size = 2 if words[:2] == ["WITH", "DATA"] else 3 if words == ["WITH", "NO", "DATA"] else 0
        if size and (index + size == len(tokens) or tokens[index + size].token_type == TokenType.SEMICOLON):
            index += size
            continue
        kept.append(tokens[index])
        index += 1
    return kept


_EXTENSIONS: dict[str, type[Parser]] = {"TSQL": _TSql, "Oracle": _Oracle, "Postgres": _Postgres,
                                        "Redshift": _NoLambdas, "MySQL": _NoLambdas, "SQLite": _NoLambdas}


def parser_for(dialect: Dialect) -> Parser:
    """A parser of ``dialect``, with what this module adds to it.

    >>> from lakekit.lineage.names import get_dialect
    >>> tsql = get_dialect("tsql")
    >>> sql = "INSERT INTO t (a) OUTPUT inserted.a INTO dbo.changes (x) SELECT b FROM s"
    >>> parser_for(tsql).parse(tsql.tokenize(sql), sql)[0].args["returning"].sql("tsql")
    'OUTPUT inserted.a INTO dbo.changes (x)'
    """
    return _parser_class(type(dialect))(dialect=dialect)


@cache
def _parser_class(dialect: type[Dialect]) -> type[Parser]:
    extension = _EXTENSIONS.get(dialect.__name__)
    if extension is None:
        return dialect.parser_class
    return type(f"{dialect.__name__}Parser", (extension, dialect.parser_class), {})
