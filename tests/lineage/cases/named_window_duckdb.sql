-- dialect: duckdb
-- A named window in QUALIFY and in a CTE, with an unqualified column in its definition.
CREATE TABLE out AS
WITH s AS (SELECT o.id, SUM(o.amount) OVER w AS spent FROM raw.orders AS o WINDOW w AS (PARTITION BY customer))
SELECT s.id, s.spent FROM s WINDOW best AS (ORDER BY s.spent DESC) QUALIFY ROW_NUMBER() OVER best = 1;
-- expect:
-- raw.orders.id -> out.id direct identity
-- raw.orders.amount -> out.spent direct aggregation
-- raw.orders.customer -> out.spent indirect window
-- raw.orders.amount -> out.* indirect filter
-- raw.orders.customer -> out.* indirect filter
