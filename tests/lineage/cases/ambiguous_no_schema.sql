-- Without a schema, a column any of several tables could hold is read from each, marked unresolved;
-- one the query shows on a single table (y.b) is that table's.
CREATE TABLE o AS SELECT a, b FROM x JOIN y ON x.k = y.k WHERE y.b > 0;
-- expect:
-- x.a -> o.a direct identity unresolved
-- y.a -> o.a direct identity unresolved
-- y.b -> o.b direct identity
-- x.k -> o.* indirect join
-- y.k -> o.* indirect join
-- y.b -> o.* indirect filter
