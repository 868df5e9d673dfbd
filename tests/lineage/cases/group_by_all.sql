-- dialect: databricks
-- GROUP BY ALL groups by each output that aggregates nothing.
CREATE TABLE out AS
SELECT s.region, upper(s.kind) AS kind, count(*) AS n, sum(s.amount) AS total FROM raw.s AS s GROUP BY ALL;
-- expect:
-- raw.s.region -> out.region direct identity
-- raw.s.kind -> out.kind direct transformation
-- raw.s.amount -> out.total direct aggregation
-- raw.s.region -> out.* indirect group_by
-- raw.s.kind -> out.* indirect group_by
