-- dialect: tsql
-- A T-SQL batch needs no semicolons: after an EXEC, and after an INSERT … EXEC, the next
-- statement is read on its own.
EXEC dbo.prepare @day = 1
INSERT INTO dbo.t (a, b) EXEC dbo.load_rows @day = 1
INSERT INTO dbo.u (a) SELECT a FROM dbo.t
-- expect:
-- dbo.t.a -> dbo.u.a direct identity
