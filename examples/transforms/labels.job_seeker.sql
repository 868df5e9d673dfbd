-- lakekit: dialect=duckdb
-- The job-seeker labels of the persons the ID merge kept, each with the time it was given.
SELECT l.user_id, l.is_seeker, CAST(l.labelled_at AS TIMESTAMP) AS labelled_at
FROM raw.job_labels l
JOIN clean.persons p ON p.person_id = l.user_id
