"""Which UPDATE / DELETE statements delta-rs runs itself, and as what DataFusion SQL: only what it
evaluates as DuckDB does; everything else is left to the rewrite of the whole table (``None``)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakekit.transform.native import native
from lakekit.transform.statement import parse

SCHEMA = pa.schema({"id": pa.int32(), "amount": pa.int64(), "Status": pa.string(), "ok": pa.bool_(),
                    "price": pa.float64(), "n": pa.int32(), "day": pa.date32()})


def translated(sql: str, dialect: str = "duckdb") -> tuple[str | None, dict[str, str]] | None:
    change = parse(sql, dialect, lambda _: SCHEMA).change
    assert change is not None
    found = native(change, SCHEMA)
    return None if found is None else (found.predicate, found.updates)


@pytest.mark.parametrize(("sql", "dialect", "predicate"), [
    ("DELETE FROM s.t WHERE amount IS NOT NULL AND id < 3", "postgres", '("amount" IS NOT NULL AND "id" < 3)'),
    ("DELETE FROM s.t WHERE NOT (amount IS NULL)", "duckdb", 'NOT ("amount" IS NULL)'),
    ("DELETE FROM s.t WHERE STATUS IN ('a', 'it''s') OR ok", "snowflake", '("Status" IN (\'a\', \'it\'\'s\') OR "ok")'),
    ("DELETE FROM s.t WHERE id BETWEEN -5 AND 2147483647", "bigquery", '"id" BETWEEN -5 AND 2147483647'),
    ("DELETE FROM s.t WHERE id = n", "duckdb", '"id" = "n"'),
    ("DELETE FROM s.t", "duckdb", None),
    ("DELETE FROM s.t WHERE day < DATE '2024-02-01' OR day IN (DATE '2024-03-01')", "snowflake",
     "(\"day\" < DATE '2024-02-01' OR \"day\" IN (DATE '2024-03-01'))"),
])
def test_what_both_engines_evaluate_alike_is_translated(sql: str, dialect: str, predicate: str | None):
    assert translated(sql, dialect) == (predicate, {})


@pytest.mark.parametrize("sql", [
    "DELETE FROM s.t WHERE id = 2147483648",  # a literal its column's type cannot hold: DataFusion fails
    "DELETE FROM s.t WHERE id = amount",  # int32 against int64: no coercion to compare
    "DELETE FROM s.t WHERE amount * 2 > 3",  # DataFusion's integer arithmetic wraps around
    "DELETE FROM s.t WHERE price > 1",  # float ordering: total in DataFusion
    "DELETE FROM s.t WHERE amount IN (1, NULL)",
    "DELETE FROM s.t WHERE id BETWEEN SYMMETRIC 5 AND 1",
    "DELETE FROM s.t WHERE Status = 'a\\b'",
    "DELETE FROM s.t WHERE lower(Status) = 'a'",
    "DELETE FROM s.t WHERE amount IN (SELECT 1)",
    "UPDATE s.t SET amount = amount + 1",
    "UPDATE s.t SET amount = id",
    "UPDATE s.t SET id = 2147483648",
    "UPDATE s.t SET ok = 'yes'",
    "DELETE FROM s.t USING s.u WHERE s.t.id = u.id",
    "DELETE FROM s.t WHERE day < '2024-02-01'",  # text read as a date: by each engine's own rules
    "DELETE FROM s.t WHERE day < DATE '2024-2-1'",
    "DELETE FROM s.t WHERE day < DATE '2024-02-30'",
    "DELETE FROM s.t WHERE day < CURRENT_DATE",
])
def test_what_might_differ_is_left_to_the_rewrite(sql: str):
    assert translated(sql) is None


def test_set_values_are_literals_nulls_and_columns_of_the_same_type():
    assert translated("UPDATE s.t SET status = 'x', amount = NULL, n = id, ok = TRUE WHERE amount > -1") == (
        '"amount" > -1', {'"Status"': "'x'", '"amount"': "NULL", '"n"': '"id"', '"ok"': "TRUE"})
