-- lakekit: dialect=snowflake
-- De-spammed users: drop accounts that signed up from a blacklisted IP or were reported as spam,
-- keep one row per user id (the earliest signup).
SELECT u.user_id, LOWER(u.email) AS email, u.full_name, u.birth_year, u.country, u.city,
       u.signup_ip, u.signup_ts
FROM raw.users u
LEFT JOIN raw.spam_ips b ON u.signup_ip = b.ip
WHERE b.ip IS NULL
  AND u.user_id NOT IN (SELECT s.user_id FROM raw.spam_accounts s WHERE s.label = 'spam')
QUALIFY ROW_NUMBER() OVER (PARTITION BY u.user_id ORDER BY u.signup_ts) = 1
