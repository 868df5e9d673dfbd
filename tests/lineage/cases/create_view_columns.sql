-- CREATE VIEW with a column list renames outputs positionally.
CREATE VIEW clean.v (user_id, mail) AS SELECT u.id, u.email FROM raw.users AS u;
-- expect:
-- raw.users.id -> clean.v.user_id direct identity
-- raw.users.email -> clean.v.mail direct identity
