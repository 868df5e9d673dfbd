-- dialect: tsql
-- T-SQL changes a table through a CTE over it: the de-duplicating DELETE FROM d WHERE rn > 1 deletes
-- rows of dbo.s, an UPDATE of a CTE sets columns of its table.
WITH d AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) AS rn FROM dbo.s)
DELETE FROM d WHERE rn > 1;
WITH u AS (SELECT * FROM dbo.t WHERE flag = 1) UPDATE u SET v = w + 1;
-- expect:
-- dbo.s.id -> dbo.s.* indirect filter
-- dbo.s.ts -> dbo.s.* indirect filter
-- dbo.t.flag -> dbo.t.* indirect filter
-- dbo.t.w -> dbo.t.v direct transformation
