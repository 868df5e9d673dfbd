-- Identity survives aliases, CTE hops and derived tables; upper-case names come out lower-case.
CREATE TABLE Clean.Users AS
WITH a AS (SELECT u.ID AS user_id, u.email FROM RAW.Users AS u),
     b AS (SELECT user_id AS uid, email FROM a)
SELECT d.uid AS id, d.email FROM (SELECT uid, email FROM b) AS d;
-- expect:
-- raw.users.id -> clean.users.id direct identity
-- raw.users.email -> clean.users.email direct identity
