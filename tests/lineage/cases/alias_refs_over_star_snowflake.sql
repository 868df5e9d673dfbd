-- dialect: snowflake
-- An output alias read in GROUP BY, HAVING or QUALIFY of a SELECT over a CTE selecting * from a table
-- of unknown columns is the alias (no source is known to hold the name): it reads what it aliases.
CREATE TABLE mart.latest AS
WITH src AS (SELECT * FROM raw.events),
daily AS (
    SELECT DATE_TRUNC('day', ts) AS day, user_id, COUNT(*) AS n
    FROM src GROUP BY day, user_id HAVING n > 1
)
SELECT user_id, day, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY day DESC) AS rn
FROM daily QUALIFY rn = 1;
-- expect:
-- raw.events.user_id -> mart.latest.user_id direct identity
-- raw.events.ts -> mart.latest.day direct transformation
-- raw.events.user_id -> mart.latest.rn indirect window
-- raw.events.ts -> mart.latest.rn indirect window
-- raw.events.ts -> mart.latest.* indirect group_by
-- raw.events.user_id -> mart.latest.* indirect group_by
-- raw.events.user_id -> mart.latest.* indirect filter
-- raw.events.ts -> mart.latest.* indirect filter
