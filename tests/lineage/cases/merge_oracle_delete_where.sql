-- dialect: oracle
-- Oracle's MERGE … UPDATE SET … WHERE u DELETE WHERE d: the updated rows d holds for are deleted,
-- so u and d decide which rows remain; u also decides the values the UPDATE sets.
MERGE INTO dw.t t USING raw.s s ON (t.id = s.id)
WHEN MATCHED THEN UPDATE SET t.v = s.v WHERE s.op <> 'X' DELETE WHERE s.op = 'D'
WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v);
-- expect:
-- raw.s.v -> dw.t.v direct identity
-- raw.s.id -> dw.t.id direct identity
-- raw.s.op -> dw.t.v indirect conditional
-- raw.s.op -> dw.t.* indirect filter
-- raw.s.id -> dw.t.* indirect join
-- dw.t.id -> dw.t.* indirect join
