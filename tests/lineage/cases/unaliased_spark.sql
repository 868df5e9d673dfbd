-- dialect: spark
-- Unaliased expressions get Spark's names.
CREATE TABLE o AS SELECT max(t.col1), t.a + t.b, count(*) FROM t GROUP BY t.g;
-- expect:
-- t.col1 -> o.max(col1) direct aggregation
-- t.a -> o.(a + b) direct transformation
-- t.b -> o.(a + b) direct transformation
-- t.g -> o.* indirect group_by
