-- dialect: oracle
-- A PL/SQL procedure sqlglot reads only in part: its control flow (IF, LOOP, EXIT WHEN,
-- := assignments, EXCEPTION) is skipped, its INSERT read; the parameter p_since is not used in a query.
CREATE PROCEDURE sales.refresh(p_since DATE) AS
  n NUMBER := 0;
BEGIN
  IF p_since IS NULL THEN
    p_since := SYSDATE - 1;
  END IF;
  LOOP
    n := n + 1;
    INSERT INTO sales.daily
    SELECT o.day AS day, SUM(o.amount) AS total FROM sales.orders o WHERE o.day >= DATE '2024-01-01' GROUP BY o.day;
    DBMS_OUTPUT.PUT_LINE(SQL%ROWCOUNT);
    EXIT WHEN n >= 1;
  END LOOP;
EXCEPTION WHEN OTHERS THEN
  RAISE;
END;
/
-- expect:
-- sales.orders.day -> sales.daily.day direct identity
-- sales.orders.amount -> sales.daily.total direct aggregation
-- sales.orders.day -> sales.daily.* indirect filter
-- sales.orders.day -> sales.daily.* indirect group_by
