-- CREATE VIEW v (a, b) AS (SELECT …): the column list renames the outputs one by one.
CREATE VIEW v (a, b) AS (SELECT x, y FROM t);
-- expect:
-- t.x -> v.a direct identity
-- t.y -> v.b direct identity
