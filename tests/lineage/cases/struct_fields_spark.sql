-- dialect: spark
-- A field of an array's element is the array's nested column: through LATERAL VIEW explode and an
-- index; a map's value is read from the map.
INSERT INTO db.out
SELECT s.id, x.k AS k, s.arr[0].v AS v, s.m['key'] AS mv
FROM raw.s AS s LATERAL VIEW explode(s.items) e AS x;
-- expect:
-- raw.s.id -> db.out.id direct identity
-- raw.s."items.k" -> db.out.k direct transformation
-- raw.s."arr.v" -> db.out.v direct transformation
-- raw.s.m -> db.out.mv direct transformation
