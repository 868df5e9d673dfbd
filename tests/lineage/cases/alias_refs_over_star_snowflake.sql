-- dialect: snowflake
-- An output alias read later in the SELECT list, in GROUP BY, HAVING or QUALIFY of a SELECT over a CTE
-- selecting * from a table of unknown columns is the alias (no source is known to hold the name): it
-- reads what it aliases.
CREATE TABLE mart.latest AS
WITH src AS (SELECT * FROM raw.events),
daily AS (
    SELECT DATE_TRUNC('day', ts) AS day, user_id, SUM(amount) AS n, n * 2 AS n2, n2 + 1 AS n3
    FROM src GROUP BY day, user_id HAVING n > 1
)
SELECT user_id, day, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY day DESC) AS rn, n3
FROM (SELECT * FROM daily) AS d QUALIFY rn = 1;
-- expect:
-- raw.events.amount -> mart.latest.* indirect filter
-- raw.events.amount -> mart.latest.n3 direct aggregation
-- raw.events.ts -> mart.latest.* indirect filter
-- raw.events.ts -> mart.latest.* indirect group_by
-- raw.events.ts -> mart.latest.day direct transformation
-- raw.events.ts -> mart.latest.rn indirect window
-- raw.events.user_id -> mart.latest.* indirect filter
-- raw.events.user_id -> mart.latest.* indirect group_by
-- raw.events.user_id -> mart.latest.rn indirect window
-- raw.events.user_id -> mart.latest.user_id direct identity
