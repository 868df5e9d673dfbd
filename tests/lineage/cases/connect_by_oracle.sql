-- dialect: oracle
-- A hierarchical query: START WITH picks the root rows (filter), CONNECT BY joins each row to its
-- parent (join); LEVEL is a pseudo-column, no column's value.
CREATE TABLE org_paths AS
SELECT id, LEVEL AS depth, SYS_CONNECT_BY_PATH(name, '/') AS path
FROM employees
START WITH manager_id IS NULL
CONNECT BY PRIOR id = manager_id;
-- expect:
-- employees.id -> org_paths.id direct identity
-- employees.name -> org_paths.path direct transformation
-- employees.manager_id -> org_paths.* indirect filter
-- employees.manager_id -> org_paths.* indirect join
-- employees.id -> org_paths.* indirect join
