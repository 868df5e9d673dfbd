-- dialect: snowflake
-- TABLE(FLATTEN(…)) without an alias: its columns are FLATTEN's (SEQ, KEY, PATH, INDEX, VALUE, THIS).
CREATE TABLE mart.tags AS SELECT id, value::STRING AS tag, index AS pos FROM raw.posts, TABLE(FLATTEN(input => raw.posts.tags));
-- expect:
-- raw.posts.id -> mart.tags.id direct identity
-- raw.posts.tags -> mart.tags.tag direct transformation
-- raw.posts.tags -> mart.tags.pos direct transformation
