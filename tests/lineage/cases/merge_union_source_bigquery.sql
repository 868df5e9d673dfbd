-- dialect: bigquery
-- MERGE from a UNION of SELECT * without a schema: a NOT MATCHED INSERT reads its unqualified
-- names from the source, and each UNION branch from its own table.
MERGE INTO mart.events AS dest
USING (SELECT * FROM raw.ios WHERE day = '2024-01-01' UNION ALL SELECT * FROM raw.web WHERE day = '2024-01-01') AS src
ON FALSE
WHEN NOT MATCHED THEN INSERT (id, page) VALUES (id, page);
-- expect:
-- raw.ios.id -> mart.events.id direct identity
-- raw.web.id -> mart.events.id direct identity
-- raw.ios.page -> mart.events.page direct identity
-- raw.web.page -> mart.events.page direct identity
-- raw.ios.day -> mart.events.* indirect filter
-- raw.web.day -> mart.events.* indirect filter
