-- dialect: mysql
-- REPLACE INTO writes like INSERT INTO; ON DUPLICATE KEY UPDATE does not change the mapping.
REPLACE INTO shop.stock (sku, qty) SELECT i.sku, i.qty FROM staging.items AS i;
INSERT INTO shop.totals (sku, n) SELECT o.sku, COUNT(*) FROM shop.orders AS o GROUP BY o.sku
ON DUPLICATE KEY UPDATE n = VALUES(n);
-- expect:
-- staging.items.sku -> shop.stock.sku direct identity
-- staging.items.qty -> shop.stock.qty direct identity
-- shop.orders.sku -> shop.totals.sku direct identity
-- shop.orders.sku -> shop.totals.* indirect group_by
