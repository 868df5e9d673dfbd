-- dialect: tsql
-- T-SQL needs no semicolons: a data statement starts right after one that moves no data (SET,
-- DECLARE, EXEC, an IF's condition); IF ends the statement before it; INSERT … EXEC is one
-- statement (no edges) and a cursor's FOR SELECT is no statement of its own.
CREATE PROCEDURE dbo.load AS
BEGIN
  SET NOCOUNT ON
  DECLARE @n INT = (SELECT count(*) FROM dbo.z)
  INSERT INTO dbo.tmp (a, b) EXEC dbo.load_rows @day = 1
  INSERT INTO dbo.u (a) SELECT a FROM dbo.tmp
  IF @n > 0 UPDATE dbo.u SET a = 2 WHERE a = 1
  DECLARE c CURSOR FOR SELECT a FROM dbo.u
  INSERT INTO dbo.t (id) SELECT id FROM dbo.s
END
-- expect:
-- dbo.tmp.a -> dbo.u.a direct identity
-- dbo.u.a -> dbo.u.* indirect filter
-- dbo.s.id -> dbo.t.id direct identity
