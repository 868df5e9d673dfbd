-- dialect: postgres
-- Correlated LATERAL subqueries, with and without a column list. Each yields one row per user (an
-- aggregate without GROUP BY; LIMIT 1 LEFT JOINed, NULLs where it finds none): its WHERE and bounded
-- ORDER BY pick the values it gives that row, as a scalar subquery's do, and drop no row.
CREATE TABLE mart.last_orders AS
SELECT u.id, x.n, y.amt FROM users AS u
CROSS JOIN LATERAL (SELECT count(*) AS n FROM orders AS o WHERE o.user_id = u.id) AS x
LEFT JOIN LATERAL (SELECT o2.amount, o2.ts FROM orders AS o2 WHERE o2.user_id = u.id ORDER BY o2.ts DESC LIMIT 1) AS y (amt, t) ON TRUE;
-- A lateral that can yield no row for a user, joined inner, drops that user: edges into the whole output too.
CREATE TABLE mart.buyers AS
SELECT u.id, z.amount FROM users AS u, LATERAL (SELECT o.amount FROM orders AS o WHERE o.user_id = u.id LIMIT 1) AS z;
-- expect:
-- users.id -> mart.last_orders.id direct identity
-- orders.amount -> mart.last_orders.amt direct identity
-- orders.user_id -> mart.last_orders.n indirect conditional
-- users.id -> mart.last_orders.n indirect conditional
-- orders.user_id -> mart.last_orders.amt indirect conditional
-- users.id -> mart.last_orders.amt indirect conditional
-- orders.ts -> mart.last_orders.amt indirect conditional
-- users.id -> mart.buyers.id direct identity
-- orders.amount -> mart.buyers.amount direct identity
-- orders.user_id -> mart.buyers.amount indirect conditional
-- users.id -> mart.buyers.amount indirect conditional
-- orders.user_id -> mart.buyers.* indirect filter
-- users.id -> mart.buyers.* indirect filter
