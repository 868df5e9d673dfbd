-- What drops the rows of an outer-joined derived table is an edge into the whole output, as the same
-- condition written in the ON clause is: an indirect edge into one column comes only from what picks
-- its value within a row (CASE / IF conditions, window partitions and orders), as OpenLineage has it.
CREATE TABLE mart.u AS
SELECT u.id, p.total, c.name
FROM (SELECT id FROM users WHERE active) AS u
LEFT JOIN (SELECT user_id, sum(amount) AS total FROM payments WHERE status = 'ok' GROUP BY user_id) AS p
  ON p.user_id = u.id
RIGHT JOIN (SELECT id, name FROM countries WHERE NOT hidden) AS c ON c.id = u.id;
-- expect:
-- users.id -> mart.u.id direct identity
-- payments.amount -> mart.u.total direct aggregation
-- countries.name -> mart.u.name direct identity
-- payments.user_id -> mart.u.* indirect group_by
-- countries.hidden -> mart.u.* indirect filter
-- countries.id -> mart.u.* indirect join
-- payments.user_id -> mart.u.* indirect join
-- users.id -> mart.u.* indirect join
-- payments.status -> mart.u.* indirect filter
-- users.active -> mart.u.* indirect filter
