-- dialect: postgres
-- A PL/pgSQL function body between $$ … $$.
CREATE OR REPLACE FUNCTION mart.refresh() RETURNS void AS $$
BEGIN
  INSERT INTO mart.totals (user_id, total) SELECT o.user_id, SUM(o.amount) FROM shop.orders AS o GROUP BY o.user_id;
END;
$$ LANGUAGE plpgsql;
-- expect:
-- shop.orders.user_id -> mart.totals.user_id direct identity
-- shop.orders.amount -> mart.totals.total direct aggregation
-- shop.orders.user_id -> mart.totals.* indirect group_by
