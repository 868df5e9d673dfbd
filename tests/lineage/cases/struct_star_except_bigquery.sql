-- dialect: bigquery
-- `s.* EXCEPT (…)` over a struct column of a table: its fields, which no schema lists here, come from
-- the column (a wildcard edge); the names EXCEPT leaves out are fields, not columns to resolve.
CREATE TABLE mart.flat AS
SELECT e.id, e.payload.* EXCEPT (secret, token) FROM raw.events AS e;
CREATE TABLE mart.kv AS
SELECT s.* EXCEPT (k) FROM (SELECT STRUCT(u.name AS k, u.created_at AS ts) AS s FROM raw.users AS u);
-- expect:
-- raw.events.id -> mart.flat.id direct identity
-- raw.events.payload -> mart.flat.* direct transformation unresolved
-- raw.users.created_at -> mart.kv.ts direct transformation
