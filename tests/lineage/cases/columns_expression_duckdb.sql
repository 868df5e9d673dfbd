-- dialect: duckdb
-- schema: {"raw.m": {"id": "INT", "temp_a": "DOUBLE", "temp_b": "DOUBLE", "note": "TEXT", "flag": "BOOL"}}
-- COLUMNS(…) is one output per column it picks, named after the column whatever wraps it: by regular
-- expression (matched anywhere in the name), by star with EXCLUDE, by list, by a LIKE lambda. Over a
-- table of unknown columns it is a wildcard edge.
CREATE TABLE agg AS SELECT id, max(COLUMNS('^temp')) FROM raw.m GROUP BY id;
CREATE TABLE shifted AS SELECT COLUMNS(* EXCLUDE (note, flag)) + 1 FROM raw.m;
CREATE TABLE listed AS SELECT COLUMNS(['note']), COLUMNS(lambda c: c LIKE 'f%') FROM raw.m;
CREATE TABLE unknown AS SELECT min(COLUMNS('x')) FROM raw.other;
-- expect:
-- raw.m.id -> agg.id direct identity
-- raw.m.id -> agg.* indirect group_by
-- raw.m.temp_a -> agg.temp_a direct aggregation
-- raw.m.temp_b -> agg.temp_b direct aggregation
-- raw.m.id -> shifted.id direct transformation
-- raw.m.temp_a -> shifted.temp_a direct transformation
-- raw.m.temp_b -> shifted.temp_b direct transformation
-- raw.m.note -> listed.note direct identity
-- raw.m.flag -> listed.flag direct identity
-- raw.other.* -> unknown.* direct aggregation unresolved
