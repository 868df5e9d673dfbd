-- dialect: duckdb
-- Unaliased expressions get DuckDB's names: the text as written (a qualifier kept), every operation
-- parenthesized (IN and NOT too), COALESCE upper-case.
CREATE TABLE o AS SELECT coalesce(b, 0), a * 2 + b, count(*), a IN (1, 2), s IS NOT NULL FROM t;
-- expect:
-- t.b -> o.COALESCE(b, 0) direct transformation
-- t.a -> o.((a * 2) + b) direct transformation
-- t.b -> o.((a * 2) + b) direct transformation
-- t.a -> o.(a IN (1, 2)) direct transformation
-- t.s -> o.(s IS NOT NULL) direct transformation
