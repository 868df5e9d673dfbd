-- dialect: tsql
-- T-SQL's DELETE t FROM t JOIN s ON …
DELETE o FROM dbo.orders AS o JOIN dbo.customers AS c ON o.customer_id = c.id WHERE c.closed = 1;
-- expect:
-- dbo.orders.customer_id -> dbo.orders.* indirect join
-- dbo.customers.id -> dbo.orders.* indirect join
-- dbo.customers.closed -> dbo.orders.* indirect filter
