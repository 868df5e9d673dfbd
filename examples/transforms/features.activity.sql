-- lakekit: dialect=bigquery
-- Activity per user over all days.
SELECT a.user_id,
       SUM(a.sessions) AS sessions,
       SUM(a.messages_sent) AS messages_sent,
       SUM(a.profile_views) AS profile_views,
       SUM(a.applied_jobs) AS applied_jobs,
       MAX(a.device) AS device,
       MAX(a.region) AS region
FROM `raw.activity` AS a
GROUP BY a.user_id
