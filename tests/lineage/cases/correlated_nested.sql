-- Nested derived tables and a correlated EXISTS two levels down.
CREATE TABLE out AS
SELECT z.uid FROM (
  SELECT y.uid FROM (SELECT u.id AS uid, u.org FROM raw.users AS u) AS y
  WHERE EXISTS (SELECT 1 FROM raw.orgs AS o WHERE o.id = y.org AND o.paid)
) AS z;
-- expect:
-- raw.users.id -> out.uid direct identity
-- raw.users.org -> out.* indirect filter
-- raw.orgs.id -> out.* indirect filter
-- raw.orgs.paid -> out.* indirect filter
