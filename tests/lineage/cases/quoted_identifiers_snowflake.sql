-- dialect: snowflake
-- Snowflake folds unquoted names to upper case: "USERID" is userid, "UserId" is another column; names
-- that fold come out lower-case as everywhere in lakekit.
CREATE TABLE out AS SELECT t."USERID" AS a, t.userid AS b, t."UserId" AS c FROM raw.users AS t;
-- expect:
-- raw.users.userid -> out.a direct identity
-- raw.users.userid -> out.b direct identity
-- raw.users.UserId -> out.c direct identity
