-- A CTE read twice (a self-join): each reference brings the CTE's own lineage. Its WHERE filters rows
-- on either side (on the LEFT-joined side, the rows the join matches): an edge into the whole output.
CREATE TABLE out AS
WITH staff AS (SELECT e.id, e.manager_id, e.name FROM raw.emp AS e WHERE e.active)
SELECT w.name AS worker, m.name AS manager FROM staff AS w LEFT JOIN staff AS m ON w.manager_id = m.id;
-- expect:
-- raw.emp.name -> out.worker direct identity
-- raw.emp.name -> out.manager direct identity
-- raw.emp.active -> out.* indirect filter
-- raw.emp.manager_id -> out.* indirect join
-- raw.emp.id -> out.* indirect join
