-- dialect: bigquery
-- A plain SELECT without target writes the placeholder table <query>.
SELECT e.user_id, COUNT(*) AS n FROM raw.events AS e GROUP BY e.user_id;
-- expect:
-- raw.events.user_id -> <query>.user_id direct identity
-- raw.events.user_id -> <query>.* indirect group_by
