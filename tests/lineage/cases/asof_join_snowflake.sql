-- dialect: snowflake
-- ASOF JOIN: its MATCH_CONDITION picks the row joined, as the ON condition does.
CREATE TABLE mart.fills AS
SELECT t.id, q.price FROM raw.trades AS t ASOF JOIN raw.quotes AS q MATCH_CONDITION (t.ts >= q.ts) ON t.sym = q.sym;
-- expect:
-- raw.trades.id -> mart.fills.id direct identity
-- raw.quotes.price -> mart.fills.price direct identity
-- raw.trades.ts -> mart.fills.* indirect join
-- raw.quotes.ts -> mart.fills.* indirect join
-- raw.trades.sym -> mart.fills.* indirect join
-- raw.quotes.sym -> mart.fills.* indirect join
