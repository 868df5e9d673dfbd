-- dialect: duckdb
-- DuckDB compares names case-insensitively, quoted or not: "UserId" and userid are one column.
CREATE TABLE out AS SELECT t."UserId" AS a, t.userid AS "B" FROM raw.users AS t;
-- expect:
-- raw.users.userid -> out.a direct identity
-- raw.users.userid -> out.b direct identity
