"""Pure helpers shared by every floor: the table-name grammar, reachability and dependency order,
row diffs, fingerprints, schema evolution, compiled checks and the frozen result types. No I/O."""
