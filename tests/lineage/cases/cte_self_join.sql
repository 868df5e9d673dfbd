-- A CTE read twice (a self-join): each reference brings the CTE's own lineage. Its WHERE filters the
-- rows of the FROM side; on the LEFT-joined side it decides that side's columns (and the rows it matches).
CREATE TABLE out AS
WITH staff AS (SELECT e.id, e.manager_id, e.name FROM raw.emp AS e WHERE e.active)
SELECT w.name AS worker, m.name AS manager FROM staff AS w LEFT JOIN staff AS m ON w.manager_id = m.id;
-- expect:
-- raw.emp.name -> out.worker direct identity
-- raw.emp.name -> out.manager direct identity
-- raw.emp.active -> out.* indirect filter
-- raw.emp.active -> out.manager indirect filter
-- raw.emp.active -> out.* indirect join
-- raw.emp.manager_id -> out.* indirect join
-- raw.emp.id -> out.* indirect join
