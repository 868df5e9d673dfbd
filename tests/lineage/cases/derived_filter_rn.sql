-- A derived column in a filter contributes its base columns: WHERE rn = 1 over ROW_NUMBER().
CREATE TABLE out AS
WITH ranked AS (
  SELECT e.id, ROW_NUMBER() OVER (PARTITION BY e.user_id ORDER BY e.ts) AS rn FROM raw.events AS e
)
SELECT ranked.id FROM ranked WHERE ranked.rn = 1;
-- expect:
-- raw.events.id -> out.id direct identity
-- raw.events.user_id -> out.* indirect filter
-- raw.events.ts -> out.* indirect filter
