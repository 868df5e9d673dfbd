-- dialect: spark
-- INSERT OVERWRITE TABLE … PARTITION (…) SELECT maps positionally like INSERT INTO.
INSERT OVERWRITE TABLE mart.daily PARTITION (dt = '2024-01-01')
SELECT e.user_id, count(1) AS n FROM raw.events AS e GROUP BY e.user_id;
-- expect:
-- raw.events.user_id -> mart.daily.user_id direct identity
-- raw.events.user_id -> mart.daily.* indirect group_by
