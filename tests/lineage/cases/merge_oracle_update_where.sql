-- dialect: oracle
-- Oracle's MERGE … UPDATE SET … WHERE c: c decides the values it sets, as WHEN MATCHED AND c does.
MERGE INTO dw.t t USING (SELECT id, v, op FROM raw.s) s ON (t.id = s.id)
WHEN MATCHED THEN UPDATE SET t.v = s.v WHERE s.op <> 'D';
-- expect:
-- raw.s.v -> dw.t.v direct identity
-- raw.s.op -> dw.t.v indirect conditional
-- raw.s.id -> dw.t.* indirect join
-- dw.t.id -> dw.t.* indirect join
