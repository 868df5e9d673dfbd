-- dialect: tsql
-- INSERT … EXEC of a procedure the script creates writes the rows its result sets return (those
-- of the target's width); a procedure called less qualified than it was created is that one.
-- SELECT @v = … sets a variable and returns no rows. GO after END still ends the batch.
CREATE PROCEDURE dbo.load_rows @day INT = 1 AS
BEGIN
    SET NOCOUNT ON
    BEGIN TRY
        SELECT o.id AS a, o.amount * 2 AS b FROM dbo.orders AS o WHERE o.day = @day
    END TRY
    BEGIN CATCH
        SELECT @msg = ERROR_MESSAGE()
        SELECT ERROR_NUMBER() AS code
    END CATCH
END
GO
INSERT INTO dbo.t (a, b) EXEC load_rows @day = 1;
-- expect:
-- dbo.orders.id -> <query>.a direct identity
-- dbo.orders.amount -> <query>.b direct transformation
-- dbo.orders.day -> <query>.* indirect filter
-- dbo.orders.id -> dbo.t.a direct identity
-- dbo.orders.amount -> dbo.t.b direct transformation
-- dbo.orders.day -> dbo.t.* indirect filter
