-- dialect: snowflake
-- IDENTIFIER('…') with a string names a table or a column as that string does.
INSERT INTO IDENTIFIER('mart.totals') SELECT IDENTIFIER('o.amount') AS amt, o.id FROM IDENTIFIER('raw.orders') AS o
WHERE IDENTIFIER('o.paid');
-- expect:
-- raw.orders.amount -> mart.totals.amt direct identity
-- raw.orders.id -> mart.totals.id direct identity
-- raw.orders.paid -> mart.totals.* indirect filter
