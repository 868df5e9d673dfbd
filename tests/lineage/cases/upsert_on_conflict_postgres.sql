-- dialect: postgres
-- INSERT … ON CONFLICT (k) DO UPDATE is a MERGE: new rows are inserted, a row with the same key is
-- updated from EXCLUDED (the row proposed) and from its own values; the key joins them.
INSERT INTO dw.counts AS c (id, v) SELECT s.id, s.v FROM stg.counts AS s
ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = c.n + 1 WHERE c.v <> EXCLUDED.v;
INSERT INTO dw.seen (id) SELECT s.id FROM stg.counts AS s ON CONFLICT (id) DO NOTHING;
-- expect:
-- stg.counts.id -> dw.counts.id direct identity
-- stg.counts.v -> dw.counts.v direct identity
-- dw.counts.n -> dw.counts.n direct transformation
-- dw.counts.v -> dw.counts.v indirect conditional
-- dw.counts.v -> dw.counts.n indirect conditional
-- stg.counts.v -> dw.counts.v indirect conditional
-- stg.counts.v -> dw.counts.n indirect conditional
-- dw.counts.id -> dw.counts.* indirect join
-- stg.counts.id -> dw.counts.* indirect join
-- stg.counts.id -> dw.seen.id direct identity
