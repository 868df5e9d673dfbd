-- Functions, casts, arithmetic, COALESCE, CASE results and array access transform; a struct's field
-- is read as is, from the nested column it names.
CREATE TABLE out AS
SELECT lower(t.email) AS email, CAST(t.age AS INT) AS age, t.a + t.b AS total,
       COALESCE(t.nick, t.name) AS label, t.payload.city AS city, t.tags[0] AS first_tag,
       1 AS one, 'x' AS lit
FROM raw.t AS t;
-- expect:
-- raw.t.email -> out.email direct transformation
-- raw.t.age -> out.age direct transformation
-- raw.t.a -> out.total direct transformation
-- raw.t.b -> out.total direct transformation
-- raw.t.nick -> out.label direct transformation
-- raw.t.name -> out.label direct transformation
-- raw.t."payload.city" -> out.city direct identity
-- raw.t.tags -> out.first_tag direct transformation
