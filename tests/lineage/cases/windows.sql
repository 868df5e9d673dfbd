-- PARTITION BY / ORDER BY of a window name the target column; windowed aggregates aggregate;
-- LAG copies a value (transformation); ROW_NUMBER gives no direct edge.
CREATE TABLE out AS
SELECT e.id,
       ROW_NUMBER() OVER (PARTITION BY e.user_id ORDER BY e.ts) AS rn,
       SUM(e.amount) OVER (PARTITION BY e.user_id) AS running,
       LAG(e.amount) OVER (ORDER BY e.ts) AS prev
FROM raw.events AS e;
-- expect:
-- raw.events.id -> out.id direct identity
-- raw.events.user_id -> out.rn indirect window
-- raw.events.ts -> out.rn indirect window
-- raw.events.amount -> out.running direct aggregation
-- raw.events.user_id -> out.running indirect window
-- raw.events.amount -> out.prev direct transformation
-- raw.events.ts -> out.prev indirect window
