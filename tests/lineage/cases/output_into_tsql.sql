-- dialect: tsql
-- OUTPUT … INTO logs the changed rows: `inserted.c` is the column as written, `deleted.c` as it
-- was; a schema-qualified log table with a column list, a DELETE whose WHERE follows the OUTPUT,
-- and a MERGE's $action (a value, no column). The WHERE of a DELETE or UPDATE of one table decides
-- which rows it logs.
INSERT INTO dbo.orders (id, amount)
OUTPUT inserted.id, inserted.amount INTO dbo.audit (oid, amt)
SELECT s.id, s.amount FROM dbo.staging AS s WHERE s.ok = 1;
DELETE FROM dbo.orders OUTPUT deleted.id INTO dbo.gone (id) WHERE amount < 0;
MERGE INTO dbo.prices AS p USING dbo.feed AS f ON p.id = f.id
WHEN MATCHED THEN UPDATE SET p.price = f.price
OUTPUT $action, inserted.id, deleted.price INTO dbo.price_log (act, id, old_price);
-- expect:
-- dbo.staging.id -> dbo.orders.id direct identity
-- dbo.staging.amount -> dbo.orders.amount direct identity
-- dbo.staging.ok -> dbo.orders.* indirect filter
-- dbo.orders.id -> dbo.audit.oid direct identity
-- dbo.orders.amount -> dbo.audit.amt direct identity
-- dbo.orders.amount -> dbo.orders.* indirect filter
-- dbo.orders.id -> dbo.gone.id direct identity
-- dbo.feed.price -> dbo.prices.price direct identity
-- dbo.feed.id -> dbo.prices.* indirect join
-- dbo.prices.id -> dbo.prices.* indirect join
-- dbo.prices.id -> dbo.price_log.id direct identity
-- dbo.prices.price -> dbo.price_log.old_price direct identity
-- dbo.orders.amount -> dbo.gone.* indirect filter
