-- dialect: snowflake
-- schema: {"raw.sales": {"region": "text", "quarter": "text", "amount": "int"}}
-- PIVOT is a GROUP BY of the columns it does not name, with one SUM(amount) FILTER (WHERE quarter = v)
-- per value v: amount aggregates into each value column, quarter decides it (conditional), region groups.
CREATE TABLE out AS
SELECT p.region, p.q1, p.q2 FROM raw.sales PIVOT (SUM(amount) FOR quarter IN ('q1' AS q1, 'q2' AS q2)) AS p;
-- expect:
-- raw.sales.region -> out.region direct identity
-- raw.sales.amount -> out.q1 direct aggregation
-- raw.sales.quarter -> out.q1 indirect conditional
-- raw.sales.amount -> out.q2 direct aggregation
-- raw.sales.quarter -> out.q2 indirect conditional
-- raw.sales.region -> out.* indirect group_by
