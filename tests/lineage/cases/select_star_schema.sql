-- schema: {"raw": {"users": {"id": "int", "email": "text"}}, "raw.orders": {"id": "int", "user_id": "int", "amount": "int"}}
-- SELECT * and t.* expand from the schema.
CREATE TABLE out AS
SELECT u.*, o.amount FROM raw.users AS u JOIN raw.orders AS o ON o.user_id = u.id;
CREATE TABLE out2 AS SELECT * FROM raw.users;
-- expect:
-- raw.users.id -> out.id direct identity
-- raw.users.email -> out.email direct identity
-- raw.orders.amount -> out.amount direct identity
-- raw.orders.user_id -> out.* indirect join
-- raw.users.id -> out.* indirect join
-- raw.users.id -> out2.id direct identity
-- raw.users.email -> out2.email direct identity
