-- schema: {"clean.dst": {"first": "int", "second": "int"}, "raw.src": {"a": "int", "b": "int"}}
-- INSERT without a column list: positional onto the target's schema when known, else the output names.
INSERT INTO clean.dst SELECT a, b FROM raw.src;
INSERT INTO clean.other SELECT a AS k, b FROM raw.src;
-- expect:
-- raw.src.a -> clean.dst.first direct identity
-- raw.src.b -> clean.dst.second direct identity
-- raw.src.a -> clean.other.k direct identity
-- raw.src.b -> clean.other.b direct identity
