-- dialect: bigquery
-- Unaliased expressions get BigQuery's names: f0_, f1_ … counting the unnamed ones.
CREATE TABLE d.o AS SELECT id, MAX(v), MIN(v) FROM d.t GROUP BY id;
-- expect:
-- d.t.id -> d.o.id direct identity
-- d.t.v -> d.o.f0_ direct aggregation
-- d.t.v -> d.o.f1_ direct aggregation
-- d.t.id -> d.o.* indirect group_by
