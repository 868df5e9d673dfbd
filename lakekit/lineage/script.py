"""Pass 1a: the statements inside procedure bodies and scripting blocks.

sqlglot parses some bodies (``CREATE PROCEDURE … AS BEGIN … END`` in T-SQL and MySQL give a
block of statements) and leaves others as text: BigQuery and Snowflake scripts (``BEGIN …
END``, ``IF … THEN … END IF``), T-SQL ``BEGIN TRY … END CATCH``, and bodies written as strings
(Snowflake ``AS $$ … $$``, Postgres ``AS $$ … $$ LANGUAGE plpgsql``). :func:`inner_statements`
finds the statements in either: in the text it reads the tokens, and a
statement starts with ``INSERT``, ``UPDATE``, ``DELETE``, ``MERGE``, ``CREATE``, ``WITH`` or
``SELECT`` at the start of the body or after ``;``, ``BEGIN``, ``THEN``, ``ELSE``, ``DO``, ``LOOP``,
``TRY`` or ``CATCH`` (in T-SQL, which needs no semicolons, also after the last word of a statement
that moves no data, ``SET NOCOUNT ON`` or ``EXEC p``, outside parentheses), and ends at ``;``, at
an ``END`` of the block, or where the next statement starts. A routine's header (``CREATE
PROCEDURE p @a INT = 1 AS``) is skipped, and so are control flow, variables and ``RETURN``: they
move no data. A SELECT that writes no table is the rows the routine returns to its caller: its
lineage goes to the query placeholder, as a plain SELECT's does. In T-SQL, ``UPDATE TOP (n)`` is read
as the whole UPDATE.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from lakekit.lineage.names import table_name

_STARTS = {"INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "WITH", "SELECT"}
_AFTER = {"BEGIN", "THEN", "ELSE", "DO", "LOOP", "TRY", "CATCH", "AS"}
_CHANGES = {"INSERT", "UPDATE", "DELETE", "MERGE"}
_NOT_AFTER = {"THEN", "KEY", "FOR", "ON", "OR"}  # MERGE … THEN UPDATE, ON DUPLICATE KEY UPDATE, FOR UPDATE
_STOPS = {"END", "BEGIN", "DECLARE", "RETURN", "PRINT", "EXEC", "EXECUTE", "ELSE", "ELSEIF", "ELSIF",
          "EXCEPTION", "RAISE", "COMMIT", "ROLLBACK"}
_FREE_NOT_AFTER = {"THEN", "FOR", "OF", "AFTER", "OR", ",", "CASE"}
"""Words after which a T-SQL data keyword belongs to the statement before it (a cursor's ``FOR
SELECT``, a trigger's ``AFTER INSERT``, ``INSTEAD OF UPDATE``), not to a statement of its own."""
_OPENS = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.CASE}
_CLOSES = {TokenType.R_PAREN, TokenType.R_BRACKET}
TEXT = {TokenType.STRING, TokenType.HEREDOC_STRING, TokenType.RAW_STRING}
"""Tokens holding text (a string literal), not words."""
CONTROL = {"IF", "ELSEIF", "ELSIF", "ELSE", "WHILE", "LOOP", "FOR", "REPEAT", "END", "BEGIN", "CASE", "EXCEPTION",
           "FOREACH", "WHEN", "EXIT", "LEAVE", "CONTINUE", "ITERATE", "RAISE", "RETURN", "THROW", "GO", "/"}
"""Words opening a scripting statement rather than a SQL one."""
_ROUTINES = {"PROCEDURE", "PROC", "FUNCTION", "TASK"}
OPENING = _STARTS | _STOPS - {"END", "ELSE", "ELSEIF", "ELSIF", "EXCEPTION"} | {
    "SET", "IF", "WHILE", "THROW", "TRUNCATE", "DROP", "ALTER", "USE", "RAISERROR", "GO"}
"""Words that open a statement (T-SQL: where the statement before ends, with no ``;`` between)."""

Parse = Callable[[str], list[exp.Expr]]


def is_script(tree: exp.Expr) -> bool:
    """A block, a statement sqlglot kept as text, or a routine with a body."""
    if isinstance(tree, exp.Command | exp.Block):
        return True
    return isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() in _ROUTINES


def is_script_text(text: str) -> bool:
    """Text of a scripting statement: it opens with a control word, or creates a routine.

    >>> is_script_text("IF x > 0 THEN INSERT INTO t SELECT 1"), is_script_text("CREATE OR REPLACE PROCEDURE p() AS")
    (True, True)
    >>> is_script_text("CREATE TABLE t AS SELECT 1")
    False
    """
    words = text.upper().split(None, 4)
    if not words:
        return False
    return words[0] in CONTROL or (words[0] == "CREATE" and bool(_ROUTINES & set(words[1:4])))


def needs_no_semicolons(dialect: Dialect) -> bool:
    """T-SQL: a statement may follow another without a ``;`` between them."""
    return type(dialect).__name__ == "TSQL"


def writes(text: str) -> bool:
    """Text of a statement that writes a table (not a query whose rows go to the caller)."""
    words = text.upper().split()
    if not words:
        return False
    return words[0] in _STARTS - {"SELECT"} or (words[0] == "SELECT" and "INTO" in words)


def inner_statements(tree: exp.Expr, dialect: Dialect, parse: Parse) -> list[exp.Expr]:
    """The statements inside a script tree (see :func:`is_script`), in order; ``parse`` reads the
    text of one of them."""
    if isinstance(tree, exp.Create):
        body = tree.expression
        return inner_statements(body, dialect, parse) if body is not None else []
    if isinstance(tree, exp.Block):
        found: list[exp.Expr] = []
        for part in tree.expressions:
            if part is None:
                continue
            if isinstance(part, exp.RawString | exp.Heredoc | exp.Literal):
                found.extend(statements_in(part.name, dialect, parse))
            elif is_script(part):
                found.extend(inner_statements(part, dialect, parse))
            elif isinstance(part, exp.IfBlock | exp.WhileBlock):  # T-SQL IF / WHILE: the blocks they run
                found.extend(statement for block in part.iter_expressions() if isinstance(block, exp.Block)
                             for statement in inner_statements(block, dialect, parse))
            else:
                found.append(part)
        return found
    if isinstance(tree, exp.Heredoc | exp.RawString | exp.Literal):
        return statements_in(tree.name, dialect, parse)
    if isinstance(tree, exp.Command):
        rest = tree.expression
        text = rest.name if isinstance(rest, exp.Expr) else str(rest or "")
        if str(tree.this).upper() == "REPLACE" and text.upper().startswith("INTO"):
            return parse(f"INSERT {text}")  # MySQL's REPLACE INTO: an INSERT, for lineage
        return statements_in(f"{tree.this} {text}", dialect, parse)
    return [tree]


def routine_name(tree: exp.Expr, dialect: Dialect) -> str | None:
    """The name (dotted, lower-case) of the routine a script tree creates, else ``None``.

    >>> from lakekit.lineage.names import get_dialect
    >>> routine_name(exp.Command(this="CREATE OR ALTER PROC [dbo].[Load] @d INT AS SELECT 1"), get_dialect("tsql"))
    'dbo.load'
    """
    if isinstance(tree, exp.Create):
        named = tree.this.this if isinstance(tree.this, exp.UserDefinedFunction | exp.StoredProcedure) else None
        return table_name(named) if isinstance(named, exp.Table) else None
    if not isinstance(tree, exp.Command) or not is_script_text(str(tree.this)):
        return None
    tokens = dialect.tokenize(str(tree.this))
    at = next((i for i, token in enumerate(tokens[:5]) if _word(token) in _ROUTINES), None)
    if at is None:
        return None
    parts = [tokens[at + 1]] if at + 1 < len(tokens) else []
    while parts and len(tokens) > at + 2 * len(parts) and tokens[at + 2 * len(parts)].token_type == TokenType.DOT:
        parts.append(tokens[at + 2 * len(parts) + 1])
    return ".".join(token.text for token in parts).lower() or None


def result_sets(statements: list[exp.Expr]) -> list[exp.Query]:
    """The queries among a routine's statements whose rows go to its caller: not ``SELECT … INTO t``,
    not T-SQL's ``SELECT @v = …`` (which sets variables)."""
    return [statement for statement in statements if isinstance(statement, exp.Query)
            and statement.args.get("into") is None
            and not all(isinstance(item, exp.EQ) and isinstance(item.this, exp.Parameter)
                        for item in statement.selects)]


def executed(tree: exp.Expr, routines: dict[str, list[exp.Query]]) -> list[exp.Expr]:
    """T-SQL ``INSERT INTO t [(columns)] EXEC p …`` over a procedure ``p`` created earlier in the
    script: one ``INSERT INTO t [(columns)] SELECT …`` per result set of ``p`` that fits the
    columns (the rows ``p`` returns are those its SELECTs give); any other tree as it is. A
    procedure named less qualified than the call (``p`` for ``dbo.p``), or more, is that
    procedure when no other has its name."""
    call = tree.expression if isinstance(tree, exp.Insert) else None
    if not isinstance(call, exp.Execute) or not isinstance(call.this, exp.Table):
        return [tree]
    name = table_name(call.this)
    known = routines.get(name)
    if known is None:
        alike = [rows for other, rows in routines.items() if other.split(".")[-1] == name.split(".")[-1]]
        known = alike[0] if len(alike) == 1 else []
    width = len(tree.this.expressions) if isinstance(tree.this, exp.Schema) else None
    return [exp.Insert(this=tree.this.copy(), expression=query.copy()) for query in known
            if width is None or len(query.selects) == width or query.is_star]


def statements_in(text: str, dialect: Dialect, parse: Parse) -> list[exp.Expr]:
    """The data statements found in a body's text (see the module's docstring).

    >>> from lakekit.lineage.parse import parse_sql
    >>> from lakekit.lineage.names import get_dialect
    >>> bq = get_dialect("bigquery")
    >>> body = "BEGIN DECLARE n INT64; IF n > 0 THEN INSERT INTO t SELECT a FROM s; END IF; RETURN; END"
    >>> [t.sql() for t in statements_in(body, bq, lambda s: parse_sql(s, "bigquery")[0])]
    ['INSERT INTO t SELECT a FROM s']
    """
    tokens = dialect.tokenize(text)
    found: list[exp.Expr] = []
    index = 0
    starts_here = True
    free = needs_no_semicolons(dialect)
    depth = 0
    while index < len(tokens):
        word = _word(tokens[index])
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is not None and following.token_type in TEXT and (
                tokens[index].token_type in (TokenType.COMMAND, TokenType.EXECUTE) or word in ("IMMEDIATE", "END")):
            # BEGIN and the rest kept as text by the tokenizer (T-SQL: what follows END up to a `;`);
            # EXECUTE IMMEDIATE $$ … $$
            found.extend(statements_in(tokens[index + 1].text, dialect, parse))
            index += 2
            continue
        if word == "CREATE" and is_script_text(text[tokens[index].start:]):
            index, starts_here = index + 1, False  # a routine's header: its body follows
            continue
        if word in _STARTS and starts_here:
            end = _end(tokens, index, free=free)
            for tree in parse(_without_top(text, tokens[index:end])):
                if isinstance(tree, exp.Command):  # unreadable as a statement: read on after its first word
                    found.extend(statements_in(text[tokens[index].end + 1 : tokens[end - 1].end + 1], dialect, parse))
                else:
                    found.extend(inner_statements(tree, dialect, parse) if is_script(tree) else [tree])
            index, starts_here = end, True
            continue
        if tokens[index].token_type in _OPENS:
            depth += 1
        elif tokens[index].token_type in _CLOSES:
            depth = max(depth - 1, 0)
        starts_here = tokens[index].token_type == TokenType.SEMICOLON or word in _AFTER or (
            free and depth == 0 and word not in _FREE_NOT_AFTER)
        index += 1
    return found


def _end(tokens: list[Token], start: int, *, free: bool) -> int:
    """Index just past the statement starting at ``start`` (``free``: T-SQL, where ``IF`` and
    ``WHILE`` open the next statement, and ``INSERT … EXEC p`` is one)."""
    head = tokens[start].text.upper()
    depth = 0
    rows = False  # the INSERT's SELECT or VALUES begun
    for index in range(start + 1, len(tokens)):
        token = tokens[index]
        word = _word(token)
        if head == "WITH" and depth == 0 and word in _CHANGES:
            head = word  # WITH c AS (…) INSERT / UPDATE / DELETE / MERGE: the statement the CTEs are for
            continue
        rows = rows or word in ("SELECT", "VALUES")
        if head == "INSERT" and word in ("EXEC", "EXECUTE") and not rows:
            continue
        if free and depth == 0 and word in ("IF", "WHILE"):
            return index
        if token.token_type in _OPENS:
            depth += 1
        elif token.token_type in _CLOSES or (word == "END" and depth > 0):
            depth = max(depth - 1, 0)
        elif depth == 0 and (token.token_type == TokenType.SEMICOLON or word in _STOPS
                             or (word == "SET" and head not in ("UPDATE", "MERGE"))
                             or (word in _CHANGES and tokens[index - 1].text.upper() not in _NOT_AFTER)):
            return index
    return len(tokens)


def _without_top(text: str, tokens: list[Token]) -> str:
    """The statement's text, T-SQL's ``UPDATE TOP (n)`` / ``DELETE TOP (n) [PERCENT]`` read as the
    whole UPDATE / DELETE (which rows a batch takes does not change where values flow).

    >>> from sqlglot.dialects.dialect import Dialect
    >>> sql = "UPDATE TOP (@n) t SET a = 1"
    >>> _without_top(sql, Dialect.get_or_raise("tsql").tokenize(sql))
    'UPDATE t SET a = 1'
    """
    whole = text[tokens[0].start : tokens[-1].end + 1]
    if len(tokens) < 3 or _word(tokens[0]) not in ("UPDATE", "DELETE") or _word(tokens[1]) != "TOP":
        return whole
    after = 2
    if tokens[after].token_type == TokenType.L_PAREN:
        while after < len(tokens) and tokens[after].token_type != TokenType.R_PAREN:
            after += 1
    after += 1
    if after < len(tokens) and _word(tokens[after]) == "PERCENT":
        after += 1
    if after >= len(tokens):
        return whole
    return f"{tokens[0].text} {text[tokens[after].start : tokens[-1].end + 1]}"


def _word(token: Token) -> str:
    """A keyword or name, upper-case; a string literal (``'DELETE'``) is no word."""
    return "" if token.token_type in TEXT else token.text.upper()
