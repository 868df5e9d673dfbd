-- dialect: tsql
-- T-SQL's UPDATE t SET … FROM t JOIN s ON …: the target is read once, the ON is a join.
UPDATE dbo.orders SET status = s.status FROM dbo.orders JOIN stage.orders AS s ON orders.id = s.id WHERE s.ok = 1;
-- expect:
-- stage.orders.status -> dbo.orders.status direct identity
-- dbo.orders.id -> dbo.orders.* indirect join
-- stage.orders.id -> dbo.orders.* indirect join
-- stage.orders.ok -> dbo.orders.* indirect filter
