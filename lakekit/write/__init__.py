"""Every commit lakekit makes: the exactly-once commit helper, ingest, write-audit-publish with
validation and quarantine, index rows, and the migration of older lakes' records."""
