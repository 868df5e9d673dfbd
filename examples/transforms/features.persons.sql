-- lakekit: dialect=duckdb
-- One row per person: the job-seeker model's features and (where labelled) its label.
SELECT p.person_id, p.country, 2026 - p.birth_year AS age, p.accounts,
       f.sessions, f.messages_sent, f.profile_views, f.applied_jobs, f.device, f.region,
       l.is_seeker
FROM clean.persons p
JOIN features.activity f ON f.user_id = p.person_id
LEFT JOIN raw.job_labels l ON l.user_id = p.person_id
