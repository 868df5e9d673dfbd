-- dialect: postgres
CREATE TABLE out AS SELECT o.id, u.item FROM raw.orders AS o CROSS JOIN LATERAL UNNEST(o.items) AS u(item);
-- expect:
-- raw.orders.id -> out.id direct identity
-- raw.orders.items -> out.item direct transformation
