-- dialect: bigquery
-- schema: {"raw.main_users": {"id": "INT64", "name": "STRING", "created_at": "TIMESTAMP"}, "raw.extra_users": {"id": "INT64", "name": "STRING", "created_at": "TIMESTAMP"}}
-- `x.*` over a struct opens one output per field: a struct built in the query, or the row of a table
-- chosen by IF (its condition decides each field), with REPLACE giving a field a new value.
CREATE TABLE mart.users AS
SELECT IF(m.id IS NOT NULL, m, e).* REPLACE (LEAST(m.created_at, e.created_at) AS created_at)
FROM raw.main_users AS m FULL JOIN raw.extra_users AS e USING (id);
CREATE TABLE mart.kv AS
SELECT s.* FROM (SELECT STRUCT(u.name AS k, u.created_at AS ts) AS s FROM raw.main_users AS u);
-- expect:
-- raw.extra_users.created_at -> mart.users.created_at direct transformation
-- raw.extra_users.id -> mart.users.* indirect join
-- raw.extra_users.id -> mart.users.id direct transformation
-- raw.extra_users.name -> mart.users.name direct transformation
-- raw.main_users.created_at -> mart.kv.ts direct transformation
-- raw.main_users.created_at -> mart.users.created_at direct transformation
-- raw.main_users.id -> mart.users.* indirect join
-- raw.main_users.id -> mart.users.id direct transformation
-- raw.main_users.id -> mart.users.id indirect conditional
-- raw.main_users.id -> mart.users.name indirect conditional
-- raw.main_users.name -> mart.kv.k direct transformation
-- raw.main_users.name -> mart.users.name direct transformation
