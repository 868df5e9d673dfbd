-- Without a dialect, unaliased expressions are named by their text in lower case.
INSERT INTO tab1 SELECT max(col1), col1 + col2, (col1 + col2), CAST(col1 AS TIMESTAMP) FROM tab2;
-- expect:
-- tab2.col1 -> tab1.max(col1) direct aggregation
-- tab2.col1 -> tab1.col1 + col2 direct transformation
-- tab2.col2 -> tab1.col1 + col2 direct transformation
-- tab2.col1 -> tab1.(col1 + col2) direct transformation
-- tab2.col2 -> tab1.(col1 + col2) direct transformation
-- tab2.col1 -> tab1.cast(col1 as timestamp) direct transformation
