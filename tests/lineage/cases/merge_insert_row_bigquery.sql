-- dialect: bigquery
-- BigQuery MERGE: INSERT ROW without a schema is the source's wildcard; INSERT VALUES without a
-- column list names the target columns after the values.
MERGE d.t T USING d.s S ON T.id = S.id WHEN NOT MATCHED THEN INSERT ROW;
MERGE d.u U USING d.s S ON U.id = S.id WHEN NOT MATCHED THEN INSERT VALUES (S.id, S.v);
-- expect:
-- d.s.* -> d.t.* direct identity unresolved
-- d.s.id -> d.t.* indirect join
-- d.t.id -> d.t.* indirect join
-- d.s.id -> d.u.id direct identity
-- d.s.v -> d.u.v direct identity
-- d.s.id -> d.u.* indirect join
-- d.u.id -> d.u.* indirect join
