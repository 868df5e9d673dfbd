-- dialect: snowflake
-- schema: {"raw.p": {"a": "TEXT", "b": "TEXT"}}
-- A name a source holds (here through `SELECT *` of a table the schema knows) is that column, not the
-- alias of the same name defined earlier in the SELECT list.
CREATE TABLE mart.p AS
SELECT a || b AS b, b AS orig FROM (SELECT * FROM raw.p) AS sq;
-- expect:
-- raw.p.a -> mart.p.b direct transformation
-- raw.p.b -> mart.p.b direct transformation
-- raw.p.b -> mart.p.orig direct identity
