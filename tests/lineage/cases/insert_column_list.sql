-- INSERT with a column list maps positionally onto it; CTEs before INSERT are the query's.
WITH s AS (SELECT r.a, r.b FROM raw.src AS r)
INSERT INTO clean.dst (x, y) SELECT s.b, s.a FROM s;
-- expect:
-- raw.src.b -> clean.dst.x direct identity
-- raw.src.a -> clean.dst.y direct identity
