-- dialect: bigquery
-- schema: {"raw.orders": {"id": "INT64", "amount": "INT64", "ts": "TIMESTAMP"}, "raw.users": {"id": "INT64", "name": "STRING"}}
-- A table's alias read as a value is the struct of its row: ARRAY_AGG(o …)[OFFSET(0)] (the dedup
-- idiom), TO_JSON_STRING(u), SELECT u; a field read from it is that column. An UNNEST's alias is
-- its element, not a row.
CREATE TABLE mart.latest AS
SELECT u, TO_JSON_STRING(u) AS u_json, ARRAY_AGG(o ORDER BY o.ts DESC LIMIT 1)[OFFSET(0)].amount AS last_amount, tag
FROM raw.users AS u JOIN raw.orders AS o ON o.id = u.id, UNNEST(['a', u.name]) AS tag
GROUP BY u, tag;
-- expect:
-- raw.orders.amount -> mart.latest.last_amount direct transformation
-- raw.orders.id -> mart.latest.* indirect join
-- raw.users.id -> mart.latest.* indirect group_by
-- raw.users.id -> mart.latest.* indirect join
-- raw.users.id -> mart.latest.u direct transformation
-- raw.users.id -> mart.latest.u_json direct transformation
-- raw.users.name -> mart.latest.* indirect group_by
-- raw.users.name -> mart.latest.tag direct transformation
-- raw.users.name -> mart.latest.u direct transformation
-- raw.users.name -> mart.latest.u_json direct transformation
