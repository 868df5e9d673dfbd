-- dialect: spark
CREATE TABLE out AS
SELECT e.id, item, TRANSFORM(e.prices, p -> p * 2) AS doubled
FROM raw.events AS e LATERAL VIEW EXPLODE(e.items) x AS item;
-- expect:
-- raw.events.id -> out.id direct identity
-- raw.events.items -> out.item direct transformation
-- raw.events.prices -> out.doubled direct transformation
