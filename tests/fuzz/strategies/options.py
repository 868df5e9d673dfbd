"""Table names and CLI options: versions, timestamps, limits, modes, merge keys, partitions,
``--meta`` and GDPR identifiers."""

from __future__ import annotations

from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tests.fuzz.cases import MARKER, Case, Expected, Step
from tests.fuzz.fixture import FIXTURE_TABLES
from tests.fuzz.strategies.common import hostile_names, plain_names
from tests.fuzz.strategies.sql import time_texts

# ---------------------------------------------------------------------------------------------
# table names


@st.composite
def table_names(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["two", "two", "two", "one", "three", "meta", "dots", "pct"]))
    if shape == "one":
        return draw(hostile_names())
    if shape == "three":
        return ".".join(draw(hostile_names()) for _ in range(3))
    if shape == "meta":
        return "_lakekit." + draw(st.sampled_from(["loads", "audit", "runs", "validations", draw(plain_names)]))
    if shape == "dots":
        return draw(st.sampled_from(["..", ".x", "x.", "x..y", "./x.y", "x/.y", ". . ", "x.y/"]))
    if shape == "pct":
        return draw(st.sampled_from(["sec.%2e%2e", "%2e%2e.x", "sec.%2e%2e%2f%2e%2e", "a.%2f", "a.b%00", "a.%41"]))
    return f"{draw(hostile_names())}.{draw(hostile_names())}"


@st.composite
def name_cases(draw: st.DrawFn) -> Case:
    name = draw(table_names().filter(lambda s: "\x00" not in s))
    data = f"id,email\n1,{MARKER}@example.com\n".encode()
    parts = name.split(".")
    plain = (len(parts) == 2 and all(p and p.isidentifier() and p.isascii() and len(p) <= 64 for p in parts)
             and parts[0] != "_lakekit" and "_delta_log" not in parts)
    expect = "ok" if plain and all(p.islower() or p.startswith("_") for p in parts) else "any"
    if parts[0] == "_lakekit" or "_delta_log" in parts:  # lakekit's namespace; the folder of a Delta log
        expect = "fail"
    return Case("name", [Step(["ingest"], [name, "in.csv"], expect=expect,
                              why="a plain lower-case name" if expect == "ok" else "the reserved namespace",
                              writes=True, table=name,
                              expected=Expected(rows=1, columns=["id", "email"], nonnull={"id": 1, "email": 1}))],
                files={"in.csv": data})


# ---------------------------------------------------------------------------------------------
# CLI options: versions, timestamps, limits, modes, keys, GDPR identifiers


huge_ints = st.sampled_from(["-1", "0", "1", "2", "3", "1000", "10000000000", "2147483648", "9223372036854775807",
                             "9223372036854775808", "18446744073709551616", "99999999999999999999", "-10000000000",
                             "1e3", "0x10", "", " 1", "one", "1.0"])


@st.composite
def option_cases(draw: st.DrawFn) -> Case:
    table = draw(st.sampled_from([*FIXTURE_TABLES, "fz.nosuch"]))
    kind = draw(st.sampled_from(["show-version", "show-version", "show-asof", "show-limit", "validate", "history",
                                 "loads", "quarantine", "gdpr", "merge-keys", "mode", "partition", "meta"]))
    files: dict[str, bytes] = {}

    def intish(s: str) -> bool:
        """Whether the CLI takes ``s`` as an integer: typer parses options with pydantic, which takes
        ``1.0`` and `` 2 `` but not ``1e3`` or ``0x10``."""
        try:
            TypeAdapter(int).validate_python(s)
        except ValidationError:
            return False
        return True

    def count(s: str) -> bool:
        """Whether ``s`` is a row count the CLI takes: ``--limit`` is an integer of at least 0."""
        return intish(s) and TypeAdapter(int).validate_python(s) >= 0

    if kind == "show-version":
        v = draw(huge_ints)
        steps = [Step(["show", "--json", "--version", v], [table], expect="any" if intish(v) else "usage")]
    elif kind == "show-asof":
        ts = draw(st.one_of(time_texts.map(lambda s: s.strip("'")),
                            st.sampled_from(["2024-01-01", "now", "", "9999-12-31T23:59:59+14:00",
                                             "0001-01-01T00:00:00-14:00", "2024-01-01T00:00:00.123456789", "1e300",
                                             "2024-W01"])))
        steps = [Step(["show", "--json", "--as-of", ts], [table], expect="any", secret=False)]  # the user's own text
    elif kind == "show-limit":
        n = draw(huge_ints)
        steps = [Step(["show", "--json", "--limit", n], [table], expect="any" if count(n) else "usage")]
    elif kind == "validate":
        v = draw(huge_ints)
        steps = [Step(["validate", "--json", "--version", v], [table], expect="any" if intish(v) else "usage",
                      writes=True)]  # a verdict is recorded
    elif kind == "history":
        steps = [Step(["history", "--json"], [draw(st.one_of(st.just(table), table_names()))
                                              .replace("\x00", "")], expect="any")]
    elif kind == "loads":
        steps = [Step(["loads", "--json"], [draw(st.one_of(st.just(table), table_names())).replace("\x00", "")],
                      expect="any")]
    elif kind == "quarantine":
        n = draw(huge_ints)
        steps = [Step(["quarantine", "--json", "--limit", n], [table], expect="any" if count(n) else "usage")]
    elif kind == "gdpr":
        ident = draw(st.sampled_from([f"email={MARKER}.u2@example.com", f"email={MARKER}.u3@example.com",
                                      f"email={MARKER}", f"user_id={MARKER}", "user_id=99999999999999999999",
                                      "user_id=-1", f"nosuch={MARKER}", f"ip={MARKER}", f"name={MARKER}",
                                      f"full_name={MARKER}", "email=", f"EMAIL={MARKER}@example.com",
                                      f"email={MARKER}'; DROP TABLE x; --"]))
        steps = [Step(["gdpr", "find", "--json"], [ident], expect="usage" if ident.endswith("=") else "any",
                      writes=True)]  # KIND= without a value is a malformed argument
    elif kind == "merge-keys":
        files = {"a.csv": f"id,email\n1,{MARKER}@example.com\n1,{MARKER}.2@example.com\n".encode(),
                 "b.csv": f"id,email\n1,{MARKER}.3@example.com\n".encode()}
        key = draw(st.sampled_from(["nosuch", "id", "email", "ID", "", "id,email", "_load_id"]))
        target = draw(st.sampled_from(["fz.newmerge", "fz.plain", "fz.merged"]))
        why = "merge keys must exist in the data and be unique in the batch"
        steps = [Step(["ingest", "--mode", "merge", "--key", key], [target, "a.csv"],
                      expect="fail" if key != "email" else "any", why=why, writes=True),
                 Step(["ingest", "--mode", "merge", "--key", key], [target, "b.csv"], expect="any", writes=True)]
    elif kind == "mode":
        files = {"a.csv": b"id,v\n1,x\n"}
        mode = draw(st.sampled_from(["append", "overwrite", "merge", "APPEND", "", "upsert", "delete", "error"]))
        ok = mode in ("append", "overwrite")
        steps = [Step(["ingest", "--mode", mode], [draw(st.sampled_from(["fz.newmode", "fz.plain", "fz.over"])),
                                                    "a.csv"], expect="any" if ok else "fail", writes=True,
                      why="an unknown mode / merge without keys")]
    elif kind == "partition":
        files = {"a.csv": f"id,email,when\n1,{MARKER}@example.com,2024-01-01\n".encode()}
        col = draw(st.sampled_from(["id", "email", "when", "nosuch", "", "ID", "_load_id", "id/../..", "a b"]))
        steps = [Step(["ingest", "--partition-by", col], ["fz.newpart", "a.csv"], expect="any", writes=True,
                      table="fz.newpart" if col in ("id", "when") else None,
                      expected=Expected(rows=1, columns=["id", "email", "when"]) if col in ("id", "when") else None)]
    else:
        files = {"a.csv": b"id\n1\n"}
        meta = draw(st.sampled_from(["k=v", "k=", "=v", "k", "k=v=w", "k=\n", "k=\u202e", "k=" + "x" * 10_000,
                                     "lakekit=1", "load_id=forged", "k=\x1b[31m"]))
        steps = [Step(["ingest", "--meta", meta], ["fz.newmeta", "a.csv"],
                      expect="usage" if "=" not in meta or meta.startswith("=") else "any", writes=True)]
    return Case(f"option:{kind}", steps, files=files, lake="fixture", follow_ups=False)
