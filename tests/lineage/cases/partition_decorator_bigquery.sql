-- dialect: bigquery
-- schema: {"proj.dataset.events": {"id": "INT64", "v": "STRING"}}
-- A table named with a partition decorator ($YYYYMMDD, $__UNPARTITIONED__) is the table itself, read
-- or written.
INSERT INTO `proj.dataset.daily$20240101` (id, v)
SELECT id, v FROM `proj.dataset.events$__UNPARTITIONED__`;
-- expect:
-- proj.dataset.events.id -> proj.dataset.daily.id direct identity
-- proj.dataset.events.v -> proj.dataset.daily.v direct identity
