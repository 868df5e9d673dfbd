-- dialect: snowflake
-- dbt's dedup without a schema: SELECT * EXCLUDE (rn) over a subquery adding rn to a table's unknown
-- columns leaves rn out; rn = 1 keeps the latest row of each id (filter edges).
CREATE TABLE mart.latest AS
WITH src AS (SELECT * FROM raw.events)
SELECT * EXCLUDE (rn) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) AS rn FROM src)
WHERE rn = 1;
-- expect:
-- raw.events.* -> mart.latest.* direct identity unresolved
-- raw.events.id -> mart.latest.* indirect filter
-- raw.events.ts -> mart.latest.* indirect filter
