-- dialect: oracle
-- ROWNUM is Oracle's, not a column of the table.
INSERT INTO top_users SELECT u.id, u.name FROM users u WHERE ROWNUM <= 10;
-- expect:
-- users.id -> top_users.id direct identity
-- users.name -> top_users.name direct identity
