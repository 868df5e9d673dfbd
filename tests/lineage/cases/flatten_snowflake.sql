-- dialect: snowflake
CREATE TABLE out AS
SELECT o.id, f.value::STRING AS tag, ARRAY_AGG(o.sku) OVER (PARTITION BY o.id) AS skus
FROM raw.orders AS o, LATERAL FLATTEN(input => o.tags) AS f;
-- expect:
-- raw.orders.id -> out.id direct identity
-- raw.orders.tags -> out.tag direct transformation
-- raw.orders.sku -> out.skus direct aggregation
-- raw.orders.id -> out.skus indirect window
