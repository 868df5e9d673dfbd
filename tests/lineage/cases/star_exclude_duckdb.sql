-- dialect: duckdb
-- schema: {"raw.t": {"a": "int", "b": "int", "secret": "text"}}
-- EXCLUDE and REPLACE star modifiers.
CREATE TABLE out AS SELECT * EXCLUDE (secret) REPLACE (a * 2 AS a) FROM raw.t;
-- expect:
-- raw.t.a -> out.a direct transformation
-- raw.t.b -> out.b direct identity
