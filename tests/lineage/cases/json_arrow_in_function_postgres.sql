-- dialect: postgres
-- In Postgres `payload -> 'items'` is a JSON access wherever it is written, a function's argument too
-- (there are no lambdas to read it as); `name => value` stays a named argument.
CREATE TABLE mart.items AS
SELECT id, jsonb_array_elements(payload -> 'items') ->> 'sku' AS sku,
       COALESCE(meta -> 'a', meta -> 'b') AS ab, make_interval(days => n) AS span
FROM raw.orders;
-- expect:
-- raw.orders.id -> mart.items.id direct identity
-- raw.orders.payload -> mart.items.sku direct transformation
-- raw.orders.meta -> mart.items.ab direct transformation
-- raw.orders.n -> mart.items.span direct transformation
