-- target: out
-- The sqlglot Placeholder case (FACTS.md): a column from a second, independent CTE.
WITH a AS (SELECT user_id FROM raw.users), l AS (SELECT lead_id FROM raw.leads) SELECT l.lead_id FROM l;
-- expect:
-- raw.leads.lead_id -> out.lead_id direct identity
