-- dialect: mysql
-- MySQL's UPDATE t JOIN s ON … SET …
UPDATE shop.items AS i JOIN shop.prices AS p ON i.sku = p.sku SET i.price = p.price * 1.2 WHERE p.active;
-- expect:
-- shop.prices.price -> shop.items.price direct transformation
-- shop.items.sku -> shop.items.* indirect join
-- shop.prices.sku -> shop.items.* indirect join
-- shop.prices.active -> shop.items.* indirect filter
