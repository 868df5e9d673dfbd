-- UNION branches both flow; INTERSECT / EXCEPT right branches only decide which rows remain.
CREATE TABLE u AS SELECT a.x FROM raw.a AS a UNION SELECT b.y FROM raw.b AS b;
CREATE TABLE i AS SELECT a.x FROM raw.a AS a INTERSECT SELECT b.y FROM raw.b AS b;
CREATE TABLE e AS SELECT a.x FROM raw.a AS a EXCEPT SELECT b.y FROM raw.b AS b WHERE b.z;
-- expect:
-- raw.a.x -> u.x direct identity
-- raw.b.y -> u.x direct identity
-- raw.a.x -> i.x direct identity
-- raw.b.y -> i.* indirect filter
-- raw.a.x -> e.x direct identity
-- raw.b.y -> e.* indirect filter
-- raw.b.z -> e.* indirect filter
