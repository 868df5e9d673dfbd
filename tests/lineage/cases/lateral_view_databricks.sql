-- dialect: databricks
CREATE OR REPLACE TABLE main.clean.items AS
SELECT e.id, pos, item FROM main.raw.events AS e LATERAL VIEW POSEXPLODE(e.items) x AS pos, item WHERE item IS NOT NULL;
-- expect:
-- main.raw.events.id -> main.clean.items.id direct identity
-- main.raw.events.items -> main.clean.items.pos direct transformation
-- main.raw.events.items -> main.clean.items.item direct transformation
-- main.raw.events.items -> main.clean.items.* indirect filter
