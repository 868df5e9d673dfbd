-- dialect: tsql
-- T-SQL needs no `;` between statements: a statement ends where sqlglot's parser stops at a word that
-- opens the next one (SELECT after an UPDATE's WHERE, SELECT after SELECT @v = …, INSERT after SELECT).
UPDATE t SET a = s.a FROM dbo.t AS t JOIN dbo.s AS s ON s.id = t.id WHERE s.ok = 1
SELECT @n = COUNT(*) FROM dbo.t
SELECT a AS shown FROM dbo.t
INSERT INTO dbo.u (a) SELECT a FROM dbo.t WHERE a > 0
-- expect:
-- dbo.s.a -> dbo.t.a direct identity
-- dbo.s.id -> dbo.t.* indirect join
-- dbo.t.id -> dbo.t.* indirect join
-- dbo.s.ok -> dbo.t.* indirect filter
-- dbo.t.a -> <query>.shown direct identity
-- dbo.t.a -> dbo.u.a direct identity
-- dbo.t.a -> dbo.u.* indirect filter
