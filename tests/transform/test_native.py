"""Which UPDATE / DELETE statements delta-rs runs itself, and as what DataFusion SQL: only what it
evaluates as DuckDB does; everything else is left to the rewrite of the whole table (``None``)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakekit.transform.native import Native, native
from lakekit.transform.statement import parse

SCHEMA = pa.schema({"id": pa.int32(), "amount": pa.int64(), "Status": pa.string(), "ok": pa.bool_(),
                    "price": pa.float64(), "n": pa.int32(), "day": pa.date32(), "at": pa.timestamp("us"),
                    "utc": pa.timestamp("us", "UTC"), "small": pa.float32(), "u": pa.uint32()})


def translated(sql: str, dialect: str = "duckdb") -> tuple[str | None, dict[str, str]] | None:
    found = planned(sql, dialect)
    return None if found is None else (found.predicate, found.updates)


def planned(sql: str, dialect: str = "duckdb") -> Native | None:
    change = parse(sql, dialect, lambda _: SCHEMA).change
    assert change is not None
    return native(change, SCHEMA)


@pytest.mark.parametrize(("sql", "dialect", "predicate"), [
    ("DELETE FROM s.t WHERE amount IS NOT NULL AND id < 3", "postgres", '("amount" IS NOT NULL AND "id" < 3)'),
    ("DELETE FROM s.t WHERE NOT (amount IS NULL)", "duckdb", 'NOT ("amount" IS NULL)'),
    ("DELETE FROM s.t WHERE STATUS IN ('a', 'it''s') OR ok", "snowflake", '("Status" IN (\'a\', \'it\'\'s\') OR "ok")'),
    ("DELETE FROM s.t WHERE id BETWEEN -5 AND 2147483647", "bigquery", '"id" BETWEEN -5 AND 2147483647'),
    ("DELETE FROM s.t WHERE id = n", "duckdb", '"id" = "n"'),
    ("DELETE FROM s.t", "duckdb", None),
    ("DELETE FROM s.t WHERE day < DATE '2024-02-01' OR day IN (DATE '2024-03-01')", "snowflake",
     "(\"day\" < DATE '2024-02-01' OR \"day\" IN (DATE '2024-03-01'))"),
    ("DELETE FROM s.t WHERE at >= TIMESTAMP '2024-02-01 10:00:00.5'", "postgres",
     "\"at\" >= arrow_cast('2024-02-01T10:00:00.5', 'Timestamp(Microsecond, None)')"),
    ("DELETE FROM s.t WHERE utc BETWEEN TIMESTAMP '2024-02-01 00:00:00' AND TIMESTAMP '2024-03-01 00:00:00'",
     "duckdb", "\"utc\" BETWEEN arrow_cast('2024-02-01T00:00:00', 'Timestamp(Microsecond, Some(\"UTC\"))') AND "
               "arrow_cast('2024-03-01T00:00:00', 'Timestamp(Microsecond, Some(\"UTC\"))')"),
])
def test_what_both_engines_evaluate_alike_is_translated(sql: str, dialect: str, predicate: str | None):
    assert translated(sql, dialect) == (predicate, {})


@pytest.mark.parametrize("sql", [
    "DELETE FROM s.t WHERE id = 2147483648",  # a literal its column's type cannot hold: DataFusion fails
    "DELETE FROM s.t WHERE id = amount",  # int32 against int64: no coercion to compare
    "DELETE FROM s.t WHERE amount * 2 > 3",  # DataFusion's integer arithmetic wraps around
    "DELETE FROM s.t WHERE price > 0",  # float ordering: total in DataFusion, -0.0 < 0.0
    "DELETE FROM s.t WHERE price > small",
    "DELETE FROM s.t WHERE price IN (1.5, 0.0)",
    "DELETE FROM s.t WHERE lower(id) = 'a'",  # a number's text
    "DELETE FROM s.t WHERE trim(Status, 'x') = 'a'",  # characters to trim: not translated
    "UPDATE s.t SET amount = amount / 2",  # DuckDB's dialect divides integers as floats
    "UPDATE s.t SET amount = amount % 0",  # DuckDB fails, DataFusion fails otherwise
    "UPDATE s.t SET amount = amount % -1",  # DataFusion's remainder of the least integer overflows
    "UPDATE s.t SET amount = amount % id",  # a column's zero divides
    "UPDATE s.t SET price = price / 0.0",
    "DELETE FROM s.t WHERE amount IN (1, NULL)",
    "DELETE FROM s.t WHERE id BETWEEN SYMMETRIC 5 AND 1",
    "DELETE FROM s.t WHERE Status = 'a\\b'",
    "DELETE FROM s.t WHERE amount IN (SELECT 1)",
    "UPDATE s.t SET amount = amount + id",  # int64 and int32: each engine widens its own way
    "UPDATE s.t SET u = u + 1",  # unsigned arithmetic: left alone
    "UPDATE s.t SET small = small * 2",  # float32: DuckDB's and DataFusion's roundings are not proven alike
    "UPDATE s.t SET price = 1e3",  # exponents: read apart
    "UPDATE s.t SET price = price * -0.0",  # DuckDB's -0.0 is a decimal, so a positive zero
    "UPDATE s.t SET price = 0.1234567890123456",  # more digits than a decimal divides exactly
    "UPDATE s.t SET status = status || id",  # a number's text
    "UPDATE s.t SET amount = CASE amount WHEN 1 THEN 2 END",
    "UPDATE s.t SET amount = CASE WHEN price > 0 THEN 2 END",
    "DELETE FROM s.t WHERE at < TIMESTAMPTZ '2024-01-01 00:00:00+2'",  # an offset spelled otherwise
    "DELETE FROM s.t WHERE at < TIMESTAMPTZ '2024-01-01 00:00:00 America/New_York'",  # a zone's name
    "DELETE FROM s.t WHERE at < TIMESTAMP '2024-01-01 00:00:00.1234567'",
    "DELETE FROM s.t WHERE at < TIMESTAMP '2024-02-30 00:00:00'",
    "DELETE FROM s.t WHERE at < '2024-01-01 00:00:00'",
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


def test_set_values_that_compute_are_checked_by_duckdb_first():
    found = planned("UPDATE s.t SET amount = -(amount * 2) + 1, price = (price - 0.5) * price, "
                    "status = CASE WHEN amount IS NULL THEN 'none' WHEN ok THEN concat(status, '!') END, "
                    "at = TIMESTAMP '2024-01-01 00:00:00' WHERE id IN (1, 2)", "postgres")
    assert found is not None and found.checked
    assert found.updates == {
        '"amount"': '((- ("amount" * 2)) + 1)', '"price"': '(("price" - 0.5) * "price")',
        '"Status"': "CASE WHEN \"amount\" IS NULL THEN 'none' WHEN \"ok\" THEN concat(\"Status\", '!') ELSE NULL END",
        '"at"': "arrow_cast('2024-01-01T00:00:00', 'Timestamp(Microsecond, None)')"}
    literal = planned("UPDATE s.t SET price = -0.25, amount = -3, status = status || 'x'")
    assert literal is not None and not literal.checked and literal.updates['"Status"'] == "(\"Status\" || 'x')"


@pytest.mark.parametrize(("dialect", "value"), [
    ("postgres", "concat(\"Status\", 'x')"),  # NULL is empty text
    ("snowflake", "(\"Status\" || 'x')"),  # NULL makes NULL
])
def test_concat_reads_nulls_as_its_dialect_does(dialect: str, value: str):
    assert translated("UPDATE s.t SET status = CONCAT(status, 'x')", dialect) == (None, {'"Status"': value})


@pytest.mark.parametrize(("literal", "utc"), [
    ("2024-01-01 00:00:00+02", "2023-12-31T22:00:00"), ("2024-01-01 00:00:00.25-05:30", "2024-01-01T05:30:00.250000"),
    ("2024-01-01 10:00:00Z", "2024-01-01T10:00:00"), ("2024-01-01 10:00:00", "2024-01-01T10:00:00"),
])
def test_a_timestamptz_literal_is_its_instant_in_utc(literal: str, utc: str):
    assert translated(f"DELETE FROM s.t WHERE at < TIMESTAMPTZ '{literal}' OR utc >= TIMESTAMPTZ '{literal}'") == (
        f"(\"at\" < arrow_cast('{utc}', 'Timestamp(Microsecond, None)') OR "
        f"\"utc\" >= arrow_cast('{utc}', 'Timestamp(Microsecond, Some(\"UTC\"))'))", {})
