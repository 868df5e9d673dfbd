-- dialect: snowflake
-- A Snowflake Scripting procedure: its body is a string.
CREATE OR REPLACE PROCEDURE mart.refresh() RETURNS STRING LANGUAGE SQL AS
$$
BEGIN
  DELETE FROM mart.users WHERE stale;
  INSERT INTO mart.users SELECT u.id, u.email FROM raw.users AS u;
  RETURN 'done';
END;
$$;
-- expect:
-- mart.users.stale -> mart.users.* indirect filter
-- raw.users.id -> mart.users.id direct identity
-- raw.users.email -> mart.users.email direct identity
