-- Without a dialect, `col::type` (Postgres's spelling of a cast) is named after the column, as
-- Postgres names it; CAST(col AS type) keeps its text as its name.
INSERT INTO tab1 SELECT col1::timestamp, CAST(col2 AS date) FROM tab2;
-- expect:
-- tab2.col1 -> tab1.col1 direct transformation
-- tab2.col2 -> tab1.cast(col2 as date) direct transformation
