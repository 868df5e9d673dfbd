-- dialect: mysql
-- REPLACE INTO writes like INSERT INTO; ON DUPLICATE KEY UPDATE is a MERGE on keys the SQL does not name.
REPLACE INTO shop.stock (sku, qty) SELECT i.sku, i.qty FROM staging.items AS i;
INSERT INTO shop.totals (sku, n) SELECT o.sku, COUNT(*) FROM shop.orders AS o GROUP BY o.sku
ON DUPLICATE KEY UPDATE n = VALUES(n);
-- An update adding to the row's own value: that value flows too (VALUES(c) is the value proposed).
INSERT INTO shop.levels (sku, qty) SELECT i.sku, i.qty FROM staging.items AS i
ON DUPLICATE KEY UPDATE qty = shop.levels.qty + VALUES(qty);
-- expect:
-- staging.items.sku -> shop.stock.sku direct identity
-- staging.items.qty -> shop.stock.qty direct identity
-- shop.orders.sku -> shop.totals.sku direct identity
-- shop.orders.sku -> shop.totals.* indirect group_by
-- staging.items.sku -> shop.levels.sku direct identity
-- staging.items.qty -> shop.levels.qty direct transformation
-- shop.levels.qty -> shop.levels.qty direct transformation
