-- dialect: snowflake
-- Without a schema, `* REPLACE (f(x) AS x)` / `* RENAME (a AS b)` give the wildcard edge and an edge
-- for each column they name.
CREATE TABLE out AS SELECT * EXCLUDE (a) REPLACE (LOWER(email) AS email) FROM raw.s;
CREATE TABLE out2 AS SELECT * RENAME (a AS b) FROM raw.s;
-- expect:
-- raw.s.* -> out.* direct identity unresolved
-- raw.s.email -> out.email direct transformation
-- raw.s.* -> out2.* direct identity unresolved
-- raw.s.a -> out2.b direct identity
