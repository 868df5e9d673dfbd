-- An inner ORDER BY with LIMIT decides which rows survive: sort edges.
CREATE TABLE out AS
SELECT b.id FROM (SELECT s.id, s.score FROM raw.scores AS s ORDER BY s.score DESC LIMIT 10) AS b;
-- expect:
-- raw.scores.id -> out.id direct identity
-- raw.scores.score -> out.* indirect sort
