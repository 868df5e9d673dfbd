-- target: Features.Users
-- A plain SELECT writes the table named by target; unqualified columns of a single-table scope.
SELECT user_id, count(*) AS n FROM raw.events WHERE kind = 'click' GROUP BY user_id ORDER BY n DESC;
-- expect:
-- raw.events.user_id -> features.users.user_id direct identity
-- raw.events.user_id -> features.users.* indirect group_by
-- raw.events.kind -> features.users.* indirect filter
