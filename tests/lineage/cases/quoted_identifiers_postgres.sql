-- dialect: postgres
-- schema: {"raw.users": {"UserId": "int", "userid": "int", "Active": "bool"}}
-- Postgres folds unquoted names to lower case and keeps quoted ones as written: "UserId" and userid are
-- two columns, while "userid", userid and USERID are one. The schema gives the names as stored.
CREATE TABLE out AS
SELECT u."UserId" AS a, u.userid AS b, U."userid" AS c, u.USERID AS "D" FROM raw.users AS u WHERE u."Active";
CREATE TABLE out2 AS SELECT * FROM raw.users;
-- expect:
-- raw.users.UserId -> out.a direct identity
-- raw.users.userid -> out.b direct identity
-- raw.users.userid -> out.c direct identity
-- raw.users.userid -> out.D direct identity
-- raw.users.Active -> out.* indirect filter
-- raw.users.UserId -> out2.UserId direct identity
-- raw.users.userid -> out2.userid direct identity
-- raw.users.Active -> out2.Active direct identity
