-- Aggregates (also windowed) aggregate; COUNT(*), ROW_NUMBER() and literals give no direct edge.
CREATE TABLE out AS
SELECT o.user_id, SUM(o.amount) AS spent, COUNT(*) AS n, COUNT(DISTINCT o.sku) AS skus,
       MAX(o.ts) - MIN(o.ts) AS span, 0 AS zero
FROM raw.orders AS o
GROUP BY o.user_id;
-- expect:
-- raw.orders.user_id -> out.user_id direct identity
-- raw.orders.amount -> out.spent direct aggregation
-- raw.orders.sku -> out.skus direct aggregation
-- raw.orders.ts -> out.span direct aggregation
-- raw.orders.user_id -> out.* indirect group_by
