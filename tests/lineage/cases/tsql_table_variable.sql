-- dialect: tsql
-- A T-SQL table variable is the table `@t`: what an INSERT writes into it, a later statement reads.
CREATE PROCEDURE dbo.load_out AS
BEGIN
  DECLARE @t TABLE (id INT, v INT);
  INSERT INTO @t (id, v) SELECT id, v FROM dbo.s WHERE ok = 1;
  INSERT INTO dbo.out (id, v) SELECT x.id, x.v * 2 FROM @t AS x JOIN dbo.keep AS k ON k.id = x.id;
END
-- expect:
-- dbo.s.id -> @t.id direct identity
-- dbo.s.v -> @t.v direct identity
-- dbo.s.ok -> @t.* indirect filter
-- @t.id -> dbo.out.id direct identity
-- @t.v -> dbo.out.v direct transformation
-- @t.id -> dbo.out.* indirect join
-- dbo.keep.id -> dbo.out.* indirect join
