-- dialect: postgres
-- Table functions in FROM: a date spine holds no base column; unnest carries its argument.
CREATE TABLE mart.spine AS
SELECT d::date AS day, t.id, tag FROM generate_series(DATE '2024-01-01', DATE '2024-01-31', INTERVAL '1 day') AS g(d)
CROSS JOIN raw.things AS t CROSS JOIN unnest(t.tags) AS tag;
-- expect:
-- raw.things.id -> mart.spine.id direct identity
-- raw.things.tags -> mart.spine.tag direct transformation
