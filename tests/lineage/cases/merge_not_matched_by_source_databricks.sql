-- dialect: databricks
-- WHEN NOT MATCHED BY SOURCE acts on target rows that no source row matches, so only target columns are
-- in reach: its condition is a filter for a DELETE and conditional for the columns an UPDATE sets.
MERGE INTO clean.users AS t USING raw.users AS s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET email = s.email, seen = s.ts
WHEN NOT MATCHED THEN INSERT (id, email, seen) VALUES (s.id, s.email, s.ts)
WHEN NOT MATCHED BY SOURCE AND t.seen < '2020-01-01' THEN DELETE
WHEN NOT MATCHED BY SOURCE AND t.status <> 'gone' THEN UPDATE SET status = concat('gone:', t.status);
-- expect:
-- clean.users.id -> clean.users.* indirect join
-- raw.users.id -> clean.users.* indirect join
-- clean.users.seen -> clean.users.* indirect filter
-- raw.users.id -> clean.users.id direct identity
-- raw.users.email -> clean.users.email direct identity
-- raw.users.ts -> clean.users.seen direct identity
-- clean.users.status -> clean.users.status direct transformation
-- clean.users.status -> clean.users.status indirect conditional
