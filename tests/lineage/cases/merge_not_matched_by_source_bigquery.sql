-- dialect: bigquery
-- An unconditional WHEN NOT MATCHED BY SOURCE THEN DELETE keeps exactly the target rows the source
-- matches: the ON columns (join) and the source's own filter decide them, nothing more.
MERGE clean.users AS t
USING (SELECT s.id, s.email FROM raw.users AS s WHERE s.active) AS src ON t.id = src.id
WHEN MATCHED THEN UPDATE SET email = src.email
WHEN NOT MATCHED BY TARGET THEN INSERT (id, email) VALUES (src.id, src.email)
WHEN NOT MATCHED BY SOURCE THEN DELETE;
-- expect:
-- clean.users.id -> clean.users.* indirect join
-- raw.users.id -> clean.users.* indirect join
-- raw.users.active -> clean.users.* indirect filter
-- raw.users.id -> clean.users.id direct identity
-- raw.users.email -> clean.users.email direct identity
