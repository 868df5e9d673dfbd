-- dialect: tsql
-- A T-SQL IF without BEGIN governs the one statement after it; the statements after that one keep
-- their lineage (sqlglot's parse takes them all into the IF's body and loses one). In a script read
-- as text, `;WITH c AS (…) INSERT …` is one statement.
TRUNCATE TABLE dbo.top_customers;
IF OBJECT_ID('tempdb..#stage') IS NOT NULL DROP TABLE #stage
SELECT o.customer_id, SUM(o.amount) AS total INTO #stage FROM dbo.orders AS o GROUP BY o.customer_id
;WITH ranked AS (SELECT customer_id, total, RANK() OVER (ORDER BY total DESC) AS rk FROM #stage)
INSERT INTO dbo.top_customers (customer_id, total, rk) SELECT customer_id, total, rk FROM ranked WHERE rk <= 10
-- expect:
-- dbo.orders.customer_id -> stage.customer_id direct identity
-- dbo.orders.amount -> stage.total direct aggregation
-- dbo.orders.customer_id -> stage.* indirect group_by
-- stage.customer_id -> dbo.top_customers.customer_id direct identity
-- stage.total -> dbo.top_customers.total direct identity
-- stage.total -> dbo.top_customers.rk indirect window
-- stage.total -> dbo.top_customers.* indirect filter
