-- dialect: snowflake
-- schema: {"raw.base": {"real_col": "int", "other_col": "int", "flag": "int"}}
-- A key read from an object or struct the query built (`:KEY`, GET, ['KEY'], `.key`) holds what was
-- put under that key, through OBJECT_CONSTRUCT(*) (one key per column), ARRAY_AGG and indexing; the
-- object's conditions stay; a key not built reads the whole object.
CREATE TABLE out AS
WITH src AS (SELECT real_col AS alias_col, other_col, flag FROM raw.base),
agg AS (SELECT ARRAY_AGG(CASE WHEN flag = 1 THEN OBJECT_CONSTRUCT(*) END) AS obj,
               OBJECT_CONSTRUCT('k', MAX(other_col)) AS pair FROM src)
SELECT agg.obj[0]:ALIAS_COL::VARCHAR AS a, GET(agg.obj[0], 'OTHER_COL') AS b, agg.pair['k'] AS c,
       agg.pair:missing AS d
FROM agg;
-- expect:
-- raw.base.real_col -> out.a direct transformation
-- raw.base.flag -> out.a indirect conditional
-- raw.base.other_col -> out.b direct transformation
-- raw.base.flag -> out.b indirect conditional
-- raw.base.other_col -> out.c direct aggregation
-- raw.base.other_col -> out.d direct aggregation
