-- dialect: snowflake
-- schema: {"RAW.USERS": {"ID": "int", "EMAIL": "text", "SSN": "text"}}
-- Snowflake EXCLUDE; upper-case schema and SQL names come out lower-case.
CREATE TABLE CLEAN.USERS AS SELECT * EXCLUDE (SSN) FROM RAW.USERS;
-- expect:
-- raw.users.id -> clean.users.id direct identity
-- raw.users.email -> clean.users.email direct identity
