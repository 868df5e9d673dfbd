-- GROUP BY, HAVING and the top-level ORDER BY; an inner ORDER BY without LIMIT decides nothing.
CREATE TABLE out AS
WITH o AS (SELECT x.user_id, x.amount, x.ts FROM raw.orders AS x ORDER BY x.ts)
SELECT o.user_id, SUM(o.amount) AS total FROM o GROUP BY o.user_id HAVING COUNT(*) > 2 ORDER BY total DESC;
-- expect:
-- raw.orders.user_id -> out.user_id direct identity
-- raw.orders.amount -> out.total direct aggregation
-- raw.orders.user_id -> out.* indirect group_by
-- raw.orders.amount -> out.* indirect sort
