-- A derived join key contributes the base columns behind it; a CTE's own filter counts for the whole output.
CREATE TABLE out AS
WITH k AS (SELECT lower(u.email) AS email_key, u.id FROM raw.users AS u WHERE u.active),
     l AS (SELECT upper(x.mail) AS mail_key, x.lead_id FROM raw.leads AS x)
SELECT k.id, l.lead_id FROM k JOIN l ON k.email_key = lower(l.mail_key);
-- expect:
-- raw.users.id -> out.id direct identity
-- raw.leads.lead_id -> out.lead_id direct identity
-- raw.users.email -> out.* indirect join
-- raw.leads.mail -> out.* indirect join
-- raw.users.active -> out.* indirect filter
