-- dialect: duckdb
-- DISTINCT ON in a derived table: its key (here an output alias and an expression) and its ORDER BY still
-- decide which rows survive (filter), though that ORDER BY does not order the output (no sort edge).
CREATE TABLE out AS
SELECT b.uid, b.id
FROM (SELECT DISTINCT ON (uid, lower(e.country)) e.user_id AS uid, e.id FROM raw.events AS e ORDER BY uid, e.ts DESC) AS b;
-- expect:
-- raw.events.user_id -> out.uid direct identity
-- raw.events.id -> out.id direct identity
-- raw.events.user_id -> out.* indirect filter
-- raw.events.country -> out.* indirect filter
-- raw.events.ts -> out.* indirect filter
