-- Every join kind: ON and USING columns are join edges for the whole output.
CREATE TABLE out AS
SELECT a.id, b.x, c.y, d.z, e.w, f.v
FROM raw.a AS a
INNER JOIN raw.b AS b ON a.id = b.a_id
LEFT JOIN raw.c AS c ON b.c_id = c.id
RIGHT JOIN raw.d AS d ON c.d_id = d.id AND d.active
FULL OUTER JOIN raw.e AS e ON d.e_id = e.id
CROSS JOIN raw.f AS f;
-- expect:
-- raw.a.id -> out.id direct identity
-- raw.b.x -> out.x direct identity
-- raw.c.y -> out.y direct identity
-- raw.d.z -> out.z direct identity
-- raw.e.w -> out.w direct identity
-- raw.f.v -> out.v direct identity
-- raw.a.id -> out.* indirect join
-- raw.b.a_id -> out.* indirect join
-- raw.b.c_id -> out.* indirect join
-- raw.c.id -> out.* indirect join
-- raw.c.d_id -> out.* indirect join
-- raw.d.id -> out.* indirect join
-- raw.d.active -> out.* indirect join
-- raw.d.e_id -> out.* indirect join
-- raw.e.id -> out.* indirect join
