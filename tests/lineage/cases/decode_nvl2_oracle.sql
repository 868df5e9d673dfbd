-- dialect: oracle
-- DECODE(k, v1, r1, …, default) is a CASE on k, and NVL2(c, a, b) a CASE on c being NULL: k, the values
-- it is compared with and c decide the value (conditional); the results flow into it.
CREATE TABLE mart.t AS
SELECT DECODE(a.kind, 1, a.x, a.limit_value, a.z, a.y) AS picked, NVL2(a.c, a.d, 'none') AS has_c
FROM raw.a a;
-- expect:
-- raw.a.kind -> mart.t.picked indirect conditional
-- raw.a.limit_value -> mart.t.picked indirect conditional
-- raw.a.x -> mart.t.picked direct transformation
-- raw.a.z -> mart.t.picked direct transformation
-- raw.a.y -> mart.t.picked direct transformation
-- raw.a.c -> mart.t.has_c indirect conditional
-- raw.a.d -> mart.t.has_c direct transformation
