-- dialect: bigquery
-- A BigQuery script: variables and control flow move no data; the statements inside do.
DECLARE cutoff DATE DEFAULT CURRENT_DATE();
BEGIN
  CREATE TEMP TABLE recent AS SELECT o.id, o.amount FROM shop.orders AS o WHERE o.day >= cutoff;
  IF (SELECT COUNT(*) FROM recent) > 0 THEN
    INSERT INTO mart.totals (total) SELECT SUM(r.amount) FROM recent AS r;
  END IF;
END;
-- expect:
-- shop.orders.id -> recent.id direct identity
-- shop.orders.amount -> recent.amount direct identity
-- shop.orders.day -> recent.* indirect filter
-- recent.amount -> mart.totals.total direct aggregation
