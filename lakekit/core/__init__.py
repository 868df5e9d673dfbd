"""Pure helpers shared by every floor: dependency order, row diffs, fingerprints, schema evolution,
compiled checks and the frozen result types. No I/O."""
