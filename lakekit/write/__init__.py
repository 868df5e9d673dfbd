"""Writing a table version: ingest, write-audit-publish, validation and quarantine."""
