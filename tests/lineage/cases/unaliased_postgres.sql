-- dialect: postgres
-- Unaliased expressions get Postgres's names: the function's name, ?column? for an operator.
CREATE TABLE o AS SELECT coalesce(a, b), a + 1, id FROM t;
-- expect:
-- t.a -> o.coalesce direct transformation
-- t.b -> o.coalesce direct transformation
-- t.a -> o.?column? direct transformation
-- t.id -> o.id direct identity
