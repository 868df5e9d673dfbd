-- WHERE, HAVING, IN / EXISTS / scalar-subquery predicates filter; a correlated scalar subquery in SELECT flows,
-- and its own WHERE decides the value it gives each row (conditional), never which rows there are: a
-- subquery with no row gives NULL.
CREATE TABLE out AS
SELECT u.id, (SELECT MAX(o.amount) FROM raw.orders AS o WHERE o.user_id = u.id) AS top
FROM raw.users AS u
WHERE u.country IN (SELECT c.code FROM raw.countries AS c WHERE c.eu)
  AND EXISTS (SELECT 1 FROM raw.logins AS l WHERE l.user_id = u.id)
  AND u.score > (SELECT AVG(s.score) FROM raw.users AS s);
-- expect:
-- raw.users.id -> out.id direct identity
-- raw.orders.amount -> out.top direct aggregation
-- raw.users.id -> out.* indirect filter
-- raw.users.country -> out.* indirect filter
-- raw.countries.code -> out.* indirect filter
-- raw.countries.eu -> out.* indirect filter
-- raw.logins.user_id -> out.* indirect filter
-- raw.users.score -> out.* indirect filter
-- raw.orders.user_id -> out.top indirect conditional
-- raw.users.id -> out.top indirect conditional
