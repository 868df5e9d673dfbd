-- dialect: databricks
-- schema: {"raw.updates": {"id": "int", "v": "int"}}
-- MERGE ... UPDATE SET * / INSERT * expand from the source's schema.
MERGE INTO clean.t AS t USING raw.updates AS u ON t.id = u.id
WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;
-- expect:
-- raw.updates.id -> clean.t.id direct identity
-- raw.updates.v -> clean.t.v direct identity
-- raw.updates.id -> clean.t.* indirect join
-- clean.t.id -> clean.t.* indirect join
