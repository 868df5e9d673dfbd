"""lakekit's own tables under ``_lakekit/``: what they hold and how they are read (indexes over the
data tables' commits, their schemas), the provenance record every commit carries, a table's
history, the healing of indexes from commits, and the format version of it all."""
