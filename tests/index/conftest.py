"""``format1/generate.py`` writes the fixture lake with an older lakekit: it is run by hand, never collected."""

collect_ignore = ["format1/generate.py"]
