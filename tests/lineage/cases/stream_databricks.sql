-- dialect: databricks
-- A Delta Live Tables streaming read, STREAM(t) or STREAM t, reads the table t.
CREATE OR REFRESH STREAMING TABLE silver.orders AS
SELECT o.id, c.name FROM STREAM(bronze.orders) AS o JOIN STREAM bronze.customers c ON o.customer_id = c.id;
-- expect:
-- bronze.orders.id -> silver.orders.id direct identity
-- bronze.customers.name -> silver.orders.name direct identity
-- bronze.orders.customer_id -> silver.orders.* indirect join
-- bronze.customers.id -> silver.orders.* indirect join
