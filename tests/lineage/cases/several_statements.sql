-- Several statements: each target's edges; statements that move no data are skipped.
USE analytics;
CREATE TABLE clean.a AS SELECT r.id FROM raw.r AS r;
DROP TABLE IF EXISTS clean.b;
CREATE TABLE clean.b AS SELECT a.id AS aid FROM clean.a AS a WHERE a.id > 0;
-- expect:
-- raw.r.id -> clean.a.id direct identity
-- clean.a.id -> clean.b.aid direct identity
-- clean.a.id -> clean.b.* indirect filter
