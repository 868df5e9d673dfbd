-- dialect: snowflake
-- schema: {"raw.wide": {"region": "text", "q1": "int", "q2": "int"}}
-- UNPIVOT is a UNION ALL of one SELECT per listed column: q1 and q2 flow as they are into amount; quarter
-- holds column names, not values (no edge); EXCLUDE NULLS, the default, drops the rows whose value is
-- NULL (filter), INCLUDE NULLS keeps them.
CREATE TABLE out AS SELECT * FROM raw.wide UNPIVOT (amount FOR quarter IN (q1, q2)) AS u;
CREATE TABLE out_all AS
SELECT u.region, u.quarter, u.amount FROM raw.wide UNPIVOT INCLUDE NULLS (amount FOR quarter IN (q1, q2)) AS u;
-- expect:
-- raw.wide.region -> out.region direct identity
-- raw.wide.q1 -> out.amount direct identity
-- raw.wide.q2 -> out.amount direct identity
-- raw.wide.q1 -> out.* indirect filter
-- raw.wide.q2 -> out.* indirect filter
-- raw.wide.region -> out_all.region direct identity
-- raw.wide.q1 -> out_all.amount direct identity
-- raw.wide.q2 -> out_all.amount direct identity
