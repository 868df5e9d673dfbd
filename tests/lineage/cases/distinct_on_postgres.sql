-- dialect: postgres
-- DISTINCT ON keeps the first row of each key in ORDER BY order, as QUALIFY ROW_NUMBER() OVER (PARTITION BY
-- key ORDER BY ...) = 1 would: the key and the ORDER BY columns are filter edges. The top-level ORDER BY
-- also sorts the output.
CREATE TABLE clean.latest AS
SELECT DISTINCT ON (e.user_id) e.user_id, e.id FROM raw.events AS e ORDER BY e.user_id, e.ts DESC;
-- expect:
-- raw.events.id -> clean.latest.id direct identity
-- raw.events.user_id -> clean.latest.user_id direct identity
-- raw.events.user_id -> clean.latest.* indirect filter
-- raw.events.ts -> clean.latest.* indirect filter
-- raw.events.user_id -> clean.latest.* indirect sort
-- raw.events.ts -> clean.latest.* indirect sort
