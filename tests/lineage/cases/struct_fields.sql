-- dialect: bigquery
-- schema: {"raw.events": {"id": "int", "widget": "struct", "items": "array", "alt": "struct"}}
-- A struct's field is read from the nested column it names (`widget.asset.id`), written bare, after
-- the table's alias, through a CTE that passes the struct on, folded (COALESCE) or unnested; a struct
-- built in the query is read whole.
CREATE TABLE out AS
WITH c AS (SELECT e.widget AS wid, COALESCE(e.widget, e.alt) AS w, STRUCT(e.id AS k) AS built FROM raw.events AS e)
SELECT widget.asset.id AS asset_id, e.widget.metric.a + 1 AS a1, c.wid.color AS color, c.w.size AS size,
       c.built.k AS k, item.code AS code
FROM raw.events AS e, UNNEST(e.items) AS item CROSS JOIN c
WHERE e.widget.live;
-- expect:
-- raw.events."widget.asset.id" -> out.asset_id direct identity
-- raw.events."widget.metric.a" -> out.a1 direct transformation
-- raw.events."widget.color" -> out.color direct identity
-- raw.events."widget.size" -> out.size direct transformation
-- raw.events."alt.size" -> out.size direct transformation
-- raw.events.id -> out.k direct transformation
-- raw.events."items.code" -> out.code direct transformation
-- raw.events."widget.live" -> out.* indirect filter
