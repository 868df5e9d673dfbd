-- dialect: duckdb
-- UNION [ALL] BY NAME matches columns by name, not position; a column one side lacks is NULL there.
CREATE TABLE mart.all_events AS
SELECT id, kind FROM raw.web_events
UNION ALL BY NAME
SELECT kind, id, device FROM raw.app_events;
-- expect:
-- raw.web_events.id -> mart.all_events.id direct identity
-- raw.web_events.kind -> mart.all_events.kind direct identity
-- raw.app_events.id -> mart.all_events.id direct identity
-- raw.app_events.kind -> mart.all_events.kind direct identity
-- raw.app_events.device -> mart.all_events.device direct identity
