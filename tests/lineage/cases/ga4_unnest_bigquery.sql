-- dialect: bigquery
-- GA4 export queries: a wildcard table filtered by _TABLE_SUFFIX (the shard, no column), and a bare
-- UNNEST, the only source of a subquery, whose element's fields (key, value.string_value) it reads.
CREATE OR REPLACE TABLE `proj.mart.ga_pages` AS
SELECT user_pseudo_id,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page_location') AS page
FROM `proj.analytics_1.events_*`
WHERE _TABLE_SUFFIX BETWEEN '20240101' AND '20240131' AND event_name = 'page_view';
-- expect:
-- proj.analytics_1.events_*.user_pseudo_id -> proj.mart.ga_pages.user_pseudo_id direct identity
-- proj.analytics_1.events_*."event_params.value.string_value" -> proj.mart.ga_pages.page direct transformation
-- proj.analytics_1.events_*."event_params.key" -> proj.mart.ga_pages.page indirect conditional
-- proj.analytics_1.events_*.event_name -> proj.mart.ga_pages.* indirect filter
