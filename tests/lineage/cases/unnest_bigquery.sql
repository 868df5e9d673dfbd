-- dialect: bigquery
-- UNNEST: the element comes from the array (transformation).
CREATE TABLE `p.d.tags` AS SELECT o.id, tag FROM `p.d.orders` AS o, UNNEST(o.tags) AS tag;
-- expect:
-- p.d.orders.id -> p.d.tags.id direct identity
-- p.d.orders.tags -> p.d.tags.tag direct transformation
