-- MERGE: ON is a join; matched UPDATE and not-matched INSERT values flow; WHEN ... AND conditions are
-- conditional for the columns their clause sets, and filter for a DELETE clause.
MERGE INTO clean.users AS t
USING (SELECT s.id, s.email, s.deleted, s.ts FROM raw.users AS s WHERE s.ts > 0) AS src
ON t.id = src.id
WHEN MATCHED AND src.deleted THEN DELETE
WHEN MATCHED AND src.ts > t.ts THEN UPDATE SET email = lower(src.email), ts = src.ts
WHEN NOT MATCHED THEN INSERT (id, email, ts) VALUES (src.id, src.email, src.ts);
-- expect:
-- clean.users.id -> clean.users.* indirect join
-- raw.users.id -> clean.users.* indirect join
-- raw.users.ts -> clean.users.* indirect filter
-- raw.users.deleted -> clean.users.* indirect filter
-- raw.users.email -> clean.users.email direct transformation
-- raw.users.ts -> clean.users.ts direct identity
-- raw.users.id -> clean.users.id direct identity
-- raw.users.ts -> clean.users.email indirect conditional
-- clean.users.ts -> clean.users.email indirect conditional
-- raw.users.ts -> clean.users.ts indirect conditional
-- clean.users.ts -> clean.users.ts indirect conditional
