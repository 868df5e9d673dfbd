-- dialect: bigquery
-- ARRAY(SELECT … FROM UNNEST(items) WHERE …) and a scalar subquery over UNNEST read only the row's own
-- array: their WHERE picks the elements the column is made of (conditional, as an aggregate's FILTER
-- (WHERE …) is), not rows of the output; EXISTS in WHERE filters rows.
CREATE TABLE out AS
SELECT s.id, ARRAY(SELECT AS STRUCT x.a, x.b FROM UNNEST(s.items) AS x WHERE x.a > 0) AS arr,
       (SELECT SUM(y.v) FROM UNNEST(s.items) AS y WHERE y.ok) AS total
FROM raw.s AS s WHERE EXISTS (SELECT 1 FROM raw.u AS u WHERE u.id = s.id);
-- expect:
-- raw.s.id -> out.id direct identity
-- raw.s."items.a" -> out.arr direct transformation
-- raw.s."items.b" -> out.arr direct transformation
-- raw.s."items.v" -> out.total direct aggregation
-- raw.s.id -> out.* indirect filter
-- raw.u.id -> out.* indirect filter
-- raw.s."items.a" -> out.arr indirect conditional
-- raw.s."items.ok" -> out.total indirect conditional
