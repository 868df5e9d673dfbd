-- dialect: postgres
-- CREATE MATERIALIZED VIEW … WITH [NO] DATA: the clause says when the view is filled, not from what.
CREATE MATERIALIZED VIEW mart.daily AS
SELECT o.day, sum(o.amount) AS total FROM raw.orders AS o GROUP BY o.day
WITH NO DATA;
CREATE MATERIALIZED VIEW mart.users AS (SELECT u.id FROM raw.users AS u) WITH DATA;
-- expect:
-- raw.orders.day -> mart.daily.day direct identity
-- raw.orders.amount -> mart.daily.total direct aggregation
-- raw.orders.day -> mart.daily.* indirect group_by
-- raw.users.id -> mart.users.id direct identity
