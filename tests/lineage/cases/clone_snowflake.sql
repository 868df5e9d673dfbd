-- dialect: snowflake
-- schema: {"raw.users": {"id": "NUMBER", "email": "TEXT"}}
-- CREATE TABLE … CLONE copies every column of the table it clones; without a schema, the wildcard.
CREATE TABLE dev.users CLONE raw.users;
CREATE TABLE dev.events CLONE raw.events;
-- expect:
-- raw.users.id -> dev.users.id direct identity
-- raw.users.email -> dev.users.email direct identity
-- raw.events.* -> dev.events.* direct identity unresolved
