-- Without a dialect, `col::type` (Postgres's spelling of a cast) is named after the column, as
-- Postgres names it (an expression cast so: after its type); CAST(col AS type) keeps its text.
INSERT INTO tab1 SELECT col1::timestamp, CAST(col2 AS date), (col3 || col4)::text FROM tab2;
-- expect:
-- tab2.col1 -> tab1.col1 direct transformation
-- tab2.col2 -> tab1.cast(col2 as date) direct transformation
-- tab2.col3 -> tab1.text direct transformation
-- tab2.col4 -> tab1.text direct transformation
