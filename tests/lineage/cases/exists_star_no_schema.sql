-- EXISTS (SELECT * …) needs no schema: its outputs decide nothing, only its WHERE does.
CREATE TABLE out AS
SELECT u.id FROM raw.users AS u WHERE NOT EXISTS (SELECT * FROM raw.bans AS b WHERE b.user_id = u.id);
-- expect:
-- raw.users.id -> out.id direct identity
-- raw.users.id -> out.* indirect filter
-- raw.bans.user_id -> out.* indirect filter
