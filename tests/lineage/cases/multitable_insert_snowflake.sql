-- dialect: snowflake
-- INSERT FIRST/ALL: one INSERT per INTO; a WHEN decides which rows reach its table.
INSERT FIRST WHEN s.amount > 100 THEN INTO mart.big (id, amt) VALUES (id, amount)
ELSE INTO mart.small SELECT s.id, s.amount FROM raw.orders AS s;
-- expect:
-- raw.orders.id -> mart.big.id direct identity
-- raw.orders.amount -> mart.big.amt direct identity
-- raw.orders.amount -> mart.big.* indirect filter
-- raw.orders.id -> mart.small.id direct identity
-- raw.orders.amount -> mart.small.amount direct identity
