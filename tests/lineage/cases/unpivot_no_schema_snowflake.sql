-- dialect: snowflake
-- UNPIVOT over a table of unknown columns: the value columns it names flow into its value column, the
-- columns it keeps are a wildcard, and a column read through it comes from the table.
CREATE TABLE mart.long AS SELECT * FROM raw.wide UNPIVOT (amount FOR quarter IN (q1, q2));
CREATE TABLE mart.ids AS SELECT u.id, u.quarter, u.amount FROM raw.wide UNPIVOT (amount FOR quarter IN (q1, q2)) AS u;
-- expect:
-- raw.wide.* -> mart.long.* direct identity unresolved
-- raw.wide.q1 -> mart.long.amount direct identity
-- raw.wide.q2 -> mart.long.amount direct identity
-- raw.wide.q1 -> mart.long.* indirect filter
-- raw.wide.q2 -> mart.long.* indirect filter
-- raw.wide.id -> mart.ids.id direct identity
-- raw.wide.q1 -> mart.ids.amount direct identity
-- raw.wide.q2 -> mart.ids.amount direct identity
-- raw.wide.q1 -> mart.ids.* indirect filter
-- raw.wide.q2 -> mart.ids.* indirect filter
