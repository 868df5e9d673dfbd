-- lakekit: dialect=duckdb
-- One row per clean user: the job-seeker model's features and (where labelled) its label.
SELECT c.user_id, c.country, 2026 - c.birth_year AS age,
       f.sessions, f.messages_sent, f.profile_views, f.applied_jobs, f.device, f.region,
       l.is_seeker
FROM clean.users c
JOIN features.activity f ON f.user_id = c.user_id
LEFT JOIN raw.job_labels l ON l.user_id = c.user_id
