-- dialect: snowflake
-- Conditions of CASE WHEN / simple CASE / IFF name the target column; result branches transform.
CREATE TABLE out AS
SELECT CASE WHEN t.score > 0.5 THEN t.label ELSE 'none' END AS verdict,
       CASE t.kind WHEN 'a' THEN t.x ELSE t.y END AS picked,
       IFF(t.flag, t.p, 0) AS p2
FROM raw.t AS t;
-- expect:
-- raw.t.score -> out.verdict indirect conditional
-- raw.t.label -> out.verdict direct transformation
-- raw.t.kind -> out.picked indirect conditional
-- raw.t.x -> out.picked direct transformation
-- raw.t.y -> out.picked direct transformation
-- raw.t.flag -> out.p2 indirect conditional
-- raw.t.p -> out.p2 direct transformation
