-- lakekit: dialect=snowflake
-- The anti-spam model's training set: each labelled account once (its latest report), with its
-- activity and whether it signed up from an IP on the vendor's blacklist.
SELECT s.user_id,
       s.label,
       IFF(b.ip IS NOT NULL, TRUE, FALSE) AS ip_listed,
       a.sessions,
       a.messages_sent
FROM raw.spam_accounts s
JOIN raw.users u ON u.user_id = s.user_id
LEFT JOIN raw.spam_ips b ON b.ip = u.signup_ip
JOIN features.activity a ON a.user_id = s.user_id
QUALIFY ROW_NUMBER() OVER (PARTITION BY s.user_id ORDER BY s.reported_at DESC) = 1
