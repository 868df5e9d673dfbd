-- Without a schema, * over a table gives a wildcard edge marked unresolved; a column read
-- from a wildcard's table by name is that table's column.
CREATE TABLE out AS
WITH c AS (SELECT *, u.a + 1 AS a1 FROM raw.t AS t JOIN raw.u AS u ON t.id = u.id)
SELECT c.*, c.b FROM c WHERE c.a1 > 0;
-- expect:
-- raw.t.* -> out.* direct identity unresolved
-- raw.u.* -> out.* direct identity unresolved
-- raw.u.a -> out.a1 direct transformation
-- raw.t.b -> out.b direct identity unresolved
-- raw.u.b -> out.b direct identity unresolved
-- raw.t.id -> out.* indirect join
-- raw.u.id -> out.* indirect join
-- raw.u.a -> out.* indirect filter
