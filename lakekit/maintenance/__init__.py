"""Housekeeping over the whole lake: vacuum that keeps pinned versions, repair of the indexes."""
