-- dialect: postgres
-- A recursive CTE with a column list, first read by name from the statement's query.
WITH RECURSIVE r (n, p) AS (
  SELECT id, parent FROM raw.t WHERE parent IS NULL
  UNION ALL
  SELECT t.id, t.parent FROM raw.t AS t JOIN r ON t.parent = r.n
)
INSERT INTO out SELECT n, p FROM r;
-- expect:
-- raw.t.id -> out.n direct identity
-- raw.t.parent -> out.p direct identity
-- raw.t.parent -> out.* indirect filter
-- raw.t.parent -> out.* indirect join
-- raw.t.id -> out.* indirect join
