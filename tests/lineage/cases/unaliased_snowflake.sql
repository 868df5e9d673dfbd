-- dialect: snowflake
-- Unaliased expressions get Snowflake's names: the text in upper case.
CREATE TABLE o AS SELECT max(col1), id FROM t GROUP BY id;
-- expect:
-- t.col1 -> o.MAX(COL1) direct aggregation
-- t.id -> o.id direct identity
-- t.id -> o.* indirect group_by
