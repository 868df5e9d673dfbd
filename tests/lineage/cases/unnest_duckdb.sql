-- dialect: duckdb
-- Array functions with lambdas: the lambda variable is not a column.
CREATE TABLE out AS
SELECT o.id, u.x, list_transform(o.items, i -> i * o.factor) AS scaled, array_length(o.items) AS n
FROM raw.orders AS o, UNNEST(o.items) AS u(x);
-- expect:
-- raw.orders.id -> out.id direct identity
-- raw.orders.items -> out.x direct transformation
-- raw.orders.items -> out.scaled direct transformation
-- raw.orders.factor -> out.scaled direct transformation
-- raw.orders.items -> out.n direct transformation
