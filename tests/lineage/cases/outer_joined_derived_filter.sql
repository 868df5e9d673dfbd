-- What drops the rows of an outer-joined derived table decides only its own columns: the rows of
-- the preserved side stay (NULL-padded). A RIGHT JOIN preserves the right side instead. An ON
-- condition reading such a column still depends on what kept its rows; its GROUP BY stays on the
-- whole output (it sets how many rows each key matches).
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
-- users.active -> mart.u.id indirect filter
-- payments.status -> mart.u.total indirect filter
-- payments.user_id -> mart.u.* indirect group_by
-- countries.hidden -> mart.u.* indirect filter
-- countries.id -> mart.u.* indirect join
-- payments.user_id -> mart.u.* indirect join
-- payments.status -> mart.u.* indirect join
-- users.id -> mart.u.* indirect join
-- users.active -> mart.u.* indirect join
