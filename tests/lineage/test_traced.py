"""``traced``: one pass gives what ``column_lineage`` and ``value_copies`` give apart."""

from __future__ import annotations

import pytest

from lakekit.lineage import column_lineage, traced, value_copies

SCHEMA = {"raw.users": {"id": "BIGINT", "email": "VARCHAR", "name": "VARCHAR", "spam": "BOOLEAN"},
          "raw.orders": {"id": "BIGINT", "user_id": "BIGINT", "total": "DOUBLE"}}
STATEMENTS = [
    "CREATE TABLE m.t AS SELECT id, lower(email) AS e, 'hi ' || name AS note FROM raw.users WHERE NOT spam",
    "INSERT INTO m.t (a, b) SELECT u.email, sum(o.total) FROM raw.users u JOIN raw.orders o ON o.user_id = u.id "
    "GROUP BY u.email",
    "WITH x AS (SELECT id, CASE WHEN spam THEN NULL ELSE email END AS e FROM raw.users) SELECT * FROM x",
    "CREATE TABLE m.a AS SELECT id, email FROM raw.users; CREATE TABLE m.b AS SELECT upper(email) AS e FROM m.a",
    "MERGE INTO m.t USING raw.users s ON t.id = s.id WHEN MATCHED THEN UPDATE SET email = s.email",
]


@pytest.mark.parametrize("sql", STATEMENTS)
@pytest.mark.parametrize("schema", [SCHEMA, None])
def test_traced_is_column_lineage_and_value_copies(sql: str, schema: dict[str, dict[str, str]] | None) -> None:
    both = traced(sql, "duckdb", schema, "m.t")
    assert both.edges == column_lineage(sql, "duckdb", schema, "m.t")
    assert both.copies == value_copies(sql, "duckdb", schema, "m.t")
