"""lakekit's own tables under ``_lakekit/``: indexes over the data tables' commits, their schemas,
and the provenance every commit carries."""
