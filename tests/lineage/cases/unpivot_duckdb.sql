-- dialect: duckdb
-- schema: {"raw.wide": {"id": "int", "a1": "int", "a2": "int", "b1": "int", "b2": "int"}}
-- UNPIVOT of column pairs into two value columns, the names given by literals; a row is dropped only
-- when both of its values are NULL.
CREATE TABLE out AS
SELECT u.id, u.k, u.a, u.b FROM raw.wide UNPIVOT ((a, b) FOR k IN ((a1, b1) AS 'one', (a2, b2) AS 'two')) AS u;
-- expect:
-- raw.wide.id -> out.id direct identity
-- raw.wide.a1 -> out.a direct identity
-- raw.wide.a2 -> out.a direct identity
-- raw.wide.b1 -> out.b direct identity
-- raw.wide.b2 -> out.b direct identity
-- raw.wide.a1 -> out.* indirect filter
-- raw.wide.a2 -> out.* indirect filter
-- raw.wide.b1 -> out.* indirect filter
-- raw.wide.b2 -> out.* indirect filter
