-- dialect: duckdb
-- schema: {"raw.sales": {"region": "text", "quarter": "text", "amount": "int", "valid": "bool"}}
-- SELECT * over a PIVOT with two aggregates (one column per value and aggregate), and a PIVOT over a CTE:
-- the CTE's own columns and filter carry through.
CREATE TABLE out AS
SELECT * FROM raw.sales PIVOT (SUM(amount) AS total, COUNT(*) AS n FOR quarter IN ('q1', 'q2'));
CREATE TABLE out2 AS
WITH s AS (SELECT x.region, x.quarter, x.amount * 2 AS doubled FROM raw.sales AS x WHERE x.valid)
SELECT p.region, p.q1 FROM s PIVOT (MAX(doubled) FOR quarter IN ('q1', 'q2')) AS p;
-- expect:
-- raw.sales.region -> out.region direct identity
-- raw.sales.valid -> out.valid direct identity
-- raw.sales.amount -> out.q1_total direct aggregation
-- raw.sales.quarter -> out.q1_total indirect conditional
-- raw.sales.quarter -> out.q1_n indirect conditional
-- raw.sales.amount -> out.q2_total direct aggregation
-- raw.sales.quarter -> out.q2_total indirect conditional
-- raw.sales.quarter -> out.q2_n indirect conditional
-- raw.sales.region -> out.* indirect group_by
-- raw.sales.valid -> out.* indirect group_by
-- raw.sales.region -> out2.region direct identity
-- raw.sales.amount -> out2.q1 direct aggregation
-- raw.sales.quarter -> out2.q1 indirect conditional
-- raw.sales.region -> out2.* indirect group_by
-- raw.sales.valid -> out2.* indirect filter
