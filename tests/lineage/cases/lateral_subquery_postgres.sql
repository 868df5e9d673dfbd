-- dialect: postgres
-- Correlated LATERAL subqueries, with and without a column list. The WHERE and bounded ORDER BY of each
-- (CROSS or LEFT JOINed) select rows: edges into the whole output.
CREATE TABLE mart.last_orders AS
SELECT u.id, x.n, y.amt FROM users AS u
CROSS JOIN LATERAL (SELECT count(*) AS n FROM orders AS o WHERE o.user_id = u.id) AS x
LEFT JOIN LATERAL (SELECT o2.amount, o2.ts FROM orders AS o2 WHERE o2.user_id = u.id ORDER BY o2.ts DESC LIMIT 1) AS y (amt, t) ON TRUE;
-- expect:
-- users.id -> mart.last_orders.id direct identity
-- orders.amount -> mart.last_orders.amt direct identity
-- orders.user_id -> mart.last_orders.* indirect filter
-- users.id -> mart.last_orders.* indirect filter
-- orders.ts -> mart.last_orders.* indirect sort
