-- A subquery in the SELECT list never drops a row of the query around it: EXISTS gives true or false,
-- IN a boolean, a scalar subquery NULL where it finds no row. What picks its rows (WHERE, join,
-- correlation) decides the value it gives that column: conditional edges into it, none into `*`.
CREATE TABLE mart.flags AS
SELECT u.id,
       EXISTS (SELECT 1 FROM raw.orders AS o WHERE o.user_id = u.id AND o.paid) AS has_paid,
       CASE WHEN u.country IN (SELECT c.code FROM raw.countries AS c WHERE c.eu) THEN 'eu' END AS zone
FROM raw.users AS u
WHERE u.active;
-- expect:
-- raw.users.id -> mart.flags.id direct identity
-- raw.users.active -> mart.flags.* indirect filter
-- raw.orders.user_id -> mart.flags.has_paid indirect conditional
-- raw.orders.paid -> mart.flags.has_paid indirect conditional
-- raw.users.id -> mart.flags.has_paid indirect conditional
-- raw.users.country -> mart.flags.zone indirect conditional
-- raw.countries.code -> mart.flags.zone indirect conditional
-- raw.countries.eu -> mart.flags.zone indirect conditional
