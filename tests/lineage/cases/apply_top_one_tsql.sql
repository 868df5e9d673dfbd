-- dialect: tsql
-- OUTER APPLY (SELECT TOP 1 … ORDER BY …): the latest order of each customer, NULLs where there is none.
-- Its WHERE and ORDER BY pick the values it gives; they drop no customer.
SELECT c.CustomerID, x.LastOrder INTO dbo.last_order
FROM Sales.Customer AS c
OUTER APPLY (SELECT TOP 1 o.OrderDate AS LastOrder FROM Sales.Orders AS o
             WHERE o.CustomerID = c.CustomerID ORDER BY o.OrderDate DESC) AS x;
-- expect:
-- sales.customer.customerid -> dbo.last_order.customerid direct identity
-- sales.orders.orderdate -> dbo.last_order.lastorder direct identity
-- sales.orders.orderdate -> dbo.last_order.lastorder indirect conditional
-- sales.orders.customerid -> dbo.last_order.lastorder indirect conditional
-- sales.customer.customerid -> dbo.last_order.lastorder indirect conditional
