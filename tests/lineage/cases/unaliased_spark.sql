-- dialect: spark
-- Unaliased expressions get Spark's names: qualifiers dropped, every operation parenthesized, string
-- literals unquoted, a cast of a column named after the column.
CREATE TABLE o AS SELECT max(t.col1), t.a + t.b, count(*), t.a * 2 + t.b AS s, concat(t.s, '-'), CAST(t.d AS INT)
FROM t GROUP BY t.g;
CREATE TABLE p AS SELECT t.a * 2 + t.b, CASE WHEN t.a > 0 THEN 'p' ELSE 'n' END FROM t;
-- expect:
-- t.col1 -> o.max(col1) direct aggregation
-- t.a -> o.(a + b) direct transformation
-- t.b -> o.(a + b) direct transformation
-- t.a -> o.s direct transformation
-- t.b -> o.s direct transformation
-- t.s -> o.concat(s, -) direct transformation
-- t.d -> o.d direct transformation
-- t.g -> o.* indirect group_by
-- t.a -> p.((a * 2) + b) direct transformation
-- t.b -> p.((a * 2) + b) direct transformation
-- t.a -> p.CASE WHEN (a > 0) THEN p ELSE n END indirect conditional
