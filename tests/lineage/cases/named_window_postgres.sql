-- dialect: postgres
-- A named WINDOW gives the edges of the inline window it stands for: OVER w, OVER (w frame) and a window
-- defined from another (w_ts AS (w ORDER BY ...)) take its PARTITION BY / ORDER BY (compare windows.sql).
CREATE TABLE out AS
SELECT e.id,
       ROW_NUMBER() OVER w_ts AS rn,
       SUM(e.amount) OVER w AS total,
       SUM(e.amount) OVER (w_ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS running,
       LAG(e.amount) OVER by_ts AS prev
FROM raw.events AS e
WINDOW w AS (PARTITION BY e.user_id), w_ts AS (w ORDER BY e.ts), by_ts AS (ORDER BY e.ts);
-- expect:
-- raw.events.id -> out.id direct identity
-- raw.events.user_id -> out.rn indirect window
-- raw.events.ts -> out.rn indirect window
-- raw.events.amount -> out.total direct aggregation
-- raw.events.user_id -> out.total indirect window
-- raw.events.amount -> out.running direct aggregation
-- raw.events.user_id -> out.running indirect window
-- raw.events.ts -> out.running indirect window
-- raw.events.amount -> out.prev direct transformation
-- raw.events.ts -> out.prev indirect window
