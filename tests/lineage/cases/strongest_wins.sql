-- When several paths join the same pair, aggregation > transformation > identity.
CREATE TABLE out AS
SELECT t.v AS x, t.w AS y FROM raw.t AS t
UNION ALL
SELECT SUM(t.v), t.w + 1 FROM raw.t AS t GROUP BY t.w
UNION ALL
SELECT t.v, t.w FROM raw.t AS t;
-- expect:
-- raw.t.v -> out.x direct aggregation
-- raw.t.w -> out.y direct transformation
-- raw.t.w -> out.* indirect group_by
