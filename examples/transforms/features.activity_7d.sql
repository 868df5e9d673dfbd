-- lakekit: dialect=duckdb
-- Activity per user over the 7 days up to each day they were active, true once that day is over
-- (event_at): the job-seeker model's point-in-time features (feature view "activity").
SELECT a.user_id,
       CAST(a.day AS TIMESTAMP) + INTERVAL 1 DAY AS event_at,
       CAST(SUM(a.sessions) OVER w AS BIGINT) AS sessions_7d,
       CAST(SUM(a.profile_views) OVER w AS BIGINT) AS profile_views_7d,
       CAST(SUM(a.applied_jobs) OVER w AS BIGINT) AS applied_jobs_7d
FROM raw.activity a
WINDOW w AS (PARTITION BY a.user_id ORDER BY a.day RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW)
