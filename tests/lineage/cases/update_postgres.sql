-- dialect: postgres
-- UPDATE … FROM: each SET value flows into its column; WHERE decides which rows change.
UPDATE clean.users AS u SET email = lower(s.email), plan = 'pro', seen = u.seen + 1
FROM raw.signups AS s WHERE u.id = s.user_id AND s.paid;
-- expect:
-- raw.signups.email -> clean.users.email direct transformation
-- clean.users.seen -> clean.users.seen direct transformation
-- clean.users.id -> clean.users.* indirect filter
-- raw.signups.user_id -> clean.users.* indirect filter
-- raw.signups.paid -> clean.users.* indirect filter
