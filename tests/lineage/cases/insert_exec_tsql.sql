-- dialect: tsql
-- INSERT … EXEC writes the rows a procedure returns, whose columns only the procedure knows: of a
-- procedure the script does not create, it parses, gives no edges, and the statements around it keep theirs.
INSERT INTO dbo.t (a, b) EXEC dbo.load_rows @day = 1;
INSERT INTO dbo.u (a) SELECT a FROM dbo.t;
-- expect:
-- dbo.t.a -> dbo.u.a direct identity
