-- dialect: tsql
-- IF … BEGIN … END ELSE BEGIN … END: the statements of both branches keep their lineage (the T-SQL
-- tokenizer keeps what follows END, up to a `;`, as text: it is read as statements too).
IF EXISTS (SELECT 1 FROM dbo.s WHERE ok = 1)
BEGIN
    INSERT INTO dbo.t (a) SELECT a FROM dbo.s WHERE ok = 1;
END
ELSE
BEGIN
    INSERT INTO dbo.t2 (a) SELECT a FROM dbo.s;
END
-- expect:
-- dbo.s.a -> dbo.t.a direct identity
-- dbo.s.ok -> dbo.t.* indirect filter
-- dbo.s.a -> dbo.t2.a direct identity
