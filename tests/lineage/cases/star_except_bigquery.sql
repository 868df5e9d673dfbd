-- dialect: bigquery
-- schema: {"proj": {"ds": {"users": {"id": "int", "email": "string", "ssn": "string"}}}}
-- BigQuery backtick-quoted project.dataset.table, SELECT * EXCEPT / REPLACE.
CREATE TABLE `proj.ds.clean_users` AS
SELECT * EXCEPT (ssn) REPLACE (LOWER(email) AS email) FROM `proj.ds.users`;
-- expect:
-- proj.ds.users.id -> proj.ds.clean_users.id direct identity
-- proj.ds.users.email -> proj.ds.clean_users.email direct transformation
