-- dialect: duckdb
-- A recursive CTE with a column list, where a source reaches a column only after several steps: links.dst
-- enters node in the recursive branch, then prev (from node) one step later, then hop (from prev).
CREATE TABLE out AS
WITH RECURSIVE walk(node, prev, hop) AS (
  SELECT s.node, s.node, s.node FROM raw.starts AS s
  UNION ALL
  SELECT l.dst, walk.node, walk.prev FROM walk JOIN raw.links AS l ON l.src = walk.node
)
SELECT walk.node, walk.prev, walk.hop FROM walk;
-- expect:
-- raw.starts.node -> out.node direct identity
-- raw.links.dst -> out.node direct identity
-- raw.starts.node -> out.prev direct identity
-- raw.links.dst -> out.prev direct identity
-- raw.starts.node -> out.hop direct identity
-- raw.links.dst -> out.hop direct identity
-- raw.links.src -> out.* indirect join
-- raw.starts.node -> out.* indirect join
-- raw.links.dst -> out.* indirect join
