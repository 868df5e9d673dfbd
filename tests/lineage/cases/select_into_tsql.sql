-- dialect: tsql
-- SELECT … INTO creates its target; DECLARE and SET move no data.
DECLARE @since DATE = '2024-01-01';
SELECT o.id, o.amount INTO #recent FROM dbo.orders AS o WHERE o.day >= @since;
INSERT INTO dbo.summary (n) SELECT COUNT(r.id) FROM #recent AS r;
-- expect:
-- dbo.orders.id -> recent.id direct identity
-- dbo.orders.amount -> recent.amount direct identity
-- dbo.orders.day -> recent.* indirect filter
-- recent.id -> dbo.summary.n direct aggregation
