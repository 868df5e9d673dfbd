-- dialect: tsql
-- A T-SQL procedure with TRY/CATCH and statements without semicolons.
CREATE PROCEDURE dbo.load_orders AS
BEGIN
  SET NOCOUNT ON;
  BEGIN TRY
    INSERT INTO dbo.orders (id, amount) SELECT s.id, s.amount FROM stage.orders AS s
    UPDATE dbo.loads SET last_id = (SELECT MAX(s.id) FROM stage.orders AS s)
  END TRY
  BEGIN CATCH
    SELECT ERROR_MESSAGE();
  END CATCH
END;
-- expect:
-- stage.orders.id -> dbo.orders.id direct identity
-- stage.orders.amount -> dbo.orders.amount direct identity
-- stage.orders.id -> dbo.loads.last_id direct aggregation
