-- dialect: snowflake
-- QUALIFY filters on a window: its partition and order columns are filter edges.
CREATE OR REPLACE TABLE clean.latest AS
SELECT id, user_id FROM raw.events QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts DESC) = 1;
-- expect:
-- raw.events.id -> clean.latest.id direct identity
-- raw.events.user_id -> clean.latest.user_id direct identity
-- raw.events.user_id -> clean.latest.* indirect filter
-- raw.events.ts -> clean.latest.* indirect filter
