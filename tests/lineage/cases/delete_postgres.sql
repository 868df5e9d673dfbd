-- dialect: postgres
-- DELETE: its WHERE (and USING's tables) decide which rows remain.
DELETE FROM clean.users AS u USING raw.bans AS b WHERE u.id = b.user_id AND b.active;
DELETE FROM clean.events WHERE ts < now() - INTERVAL '30 days';
-- expect:
-- clean.users.id -> clean.users.* indirect filter
-- raw.bans.user_id -> clean.users.* indirect filter
-- raw.bans.active -> clean.users.* indirect filter
-- clean.events.ts -> clean.events.* indirect filter
