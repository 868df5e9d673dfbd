-- dialect: hive
-- FROM s INSERT … SELECT … INSERT … SELECT …: each INSERT reads s.
FROM raw.logs
INSERT OVERWRITE TABLE mart.errors SELECT msg WHERE level = 'ERROR'
INSERT OVERWRITE TABLE mart.hosts SELECT host, count(*) AS n GROUP BY host;
-- expect:
-- raw.logs.msg -> mart.errors.msg direct identity
-- raw.logs.level -> mart.errors.* indirect filter
-- raw.logs.host -> mart.hosts.host direct identity
-- raw.logs.host -> mart.hosts.* indirect group_by
