-- dialect: bigquery
-- schema: {"ds.t": {"id": "int", "widget.asset.id": "int", "widget.metric": "int"}}
-- A schema listing a struct's fields by their paths names the struct column: its fields resolve,
-- and `*` gives the struct once.
CREATE TABLE out AS SELECT widget.asset.id AS a, t.widget.metric AS m FROM ds.t AS t;
CREATE TABLE copy AS SELECT * FROM ds.t;
-- expect:
-- ds.t."widget.asset.id" -> out.a direct identity
-- ds.t."widget.metric" -> out.m direct identity
-- ds.t.id -> copy.id direct identity
-- ds.t.widget -> copy.widget direct identity
