-- Without a schema, a column any of several tables could hold is left without lineage (a warning
-- names it); one the query shows on a single table (y.b) is that table's.
-- warns: ambiguous column 'a' left without lineage
CREATE TABLE o AS SELECT a, b FROM x JOIN y ON x.k = y.k WHERE y.b > 0;
-- expect:
-- y.b -> o.b direct identity
-- x.k -> o.* indirect join
-- y.k -> o.* indirect join
-- y.b -> o.* indirect filter
