-- dialect: spark
-- Semi and anti joins only filter rows.
INSERT OVERWRITE TABLE out
SELECT a.id FROM raw.a AS a LEFT SEMI JOIN raw.b AS b ON a.id = b.id LEFT ANTI JOIN raw.c AS c ON a.k = c.k;
-- expect:
-- raw.a.id -> out.id direct identity
-- raw.a.id -> out.* indirect filter
-- raw.b.id -> out.* indirect filter
-- raw.a.k -> out.* indirect filter
-- raw.c.k -> out.* indirect filter
