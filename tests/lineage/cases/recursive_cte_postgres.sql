-- dialect: postgres
-- WITH RECURSIVE: the recursive branch reads the CTE itself, so a column's sources are those of both
-- branches (path: the anchor's name as is, then name appended: transformation wins); depth is counted,
-- not read. The anchor's WHERE filters; the recursive JOIN joins on parent_id and the CTE's id.
-- A counter that starts from VALUES reads no column at all.
CREATE TABLE out AS
WITH RECURSIVE tree AS (
  SELECT e.id, e.parent_id, e.name AS path, 0 AS depth FROM raw.emp AS e WHERE e.parent_id IS NULL
  UNION ALL
  SELECT c.id, c.parent_id, tree.path || '/' || c.name, tree.depth + 1 FROM raw.emp AS c JOIN tree ON c.parent_id = tree.id
)
SELECT tree.id, tree.path, tree.depth FROM tree;
CREATE TABLE levels AS
WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT t.n + 1 FROM t WHERE t.n < 5)
SELECT t.n, e.name FROM t JOIN raw.emp AS e ON e.level = t.n;
-- expect:
-- raw.emp.id -> out.id direct identity
-- raw.emp.name -> out.path direct transformation
-- raw.emp.parent_id -> out.* indirect filter
-- raw.emp.parent_id -> out.* indirect join
-- raw.emp.id -> out.* indirect join
-- raw.emp.name -> levels.name direct identity
-- raw.emp.level -> levels.* indirect join
