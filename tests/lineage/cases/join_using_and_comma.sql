-- dialect: postgres
-- USING joins both sides' columns (the output column is their COALESCE); a comma join filtered in WHERE.
CREATE TABLE out AS
SELECT id, b.x, c.y FROM raw.a AS a JOIN raw.b AS b USING (id), raw.c AS c WHERE c.a_id = a.id;
-- expect:
-- raw.a.id -> out.id direct transformation
-- raw.b.id -> out.id direct transformation
-- raw.b.x -> out.x direct identity
-- raw.c.y -> out.y direct identity
-- raw.a.id -> out.* indirect join
-- raw.b.id -> out.* indirect join
-- raw.a.id -> out.* indirect filter
-- raw.c.a_id -> out.* indirect filter
