-- A table the script creates has the columns of its query for the statements after it:
-- r.* expands to them, and an INSERT without a column list fills them in order.
CREATE TEMPORARY VIEW recent AS SELECT o.id, o.amount FROM shop.orders AS o;
CREATE TABLE mart.big AS SELECT r.*, c.name FROM recent AS r JOIN shop.customers AS c ON r.id = c.order_id;
INSERT INTO recent SELECT x.order_id, x.total FROM shop.extra AS x;
-- expect:
-- shop.orders.id -> recent.id direct identity
-- shop.orders.amount -> recent.amount direct identity
-- recent.id -> mart.big.id direct identity
-- recent.amount -> mart.big.amount direct identity
-- shop.customers.name -> mart.big.name direct identity
-- recent.id -> mart.big.* indirect join
-- shop.customers.order_id -> mart.big.* indirect join
-- shop.extra.order_id -> recent.id direct identity
-- shop.extra.total -> recent.amount direct identity
