"""The seed corpus: every failure issue 14 lists, as explicit cases (plus their near neighbours).

Each seed is run as its own test (``test_seed_corpus.py``), so a fixed bug stays fixed. The
ids name the issue's bullet.
"""

from __future__ import annotations

import gzip
import io

from tests.fuzz.cases import MARKER, Case, Expected, Step

M = MARKER
NATIVE = {
    "segfault-ndjson-null", "ndjson-deep-nesting", "json-deep-nesting", "json-deep-arrays", "hang-sql-version-1e10",
    "hang-show-version-1e10", "show-version-2-63", "name-brackets", "name-newline", "sql-deep-parens",
    "sql-deep-subqueries", "parquet-corrupt-snappy", "gzip-corrupt", "zstd-corrupt", "quarantine-limit-huge",
}
"""Seeds whose failure is (or was) in native code: run in real subprocesses, never through a shortcut."""


def ingest(table: str, file: str, data: bytes, *, expect: str = "any", why: str = "", options: list[str] | None = None,
           expected: Expected | None = None, label: str = "seed") -> Case:
    return Case(label, [Step(["ingest", *(options or [])], [table, file], expect=expect, why=why, writes=True,
                             table=table, expected=expected)], files={file: data})


def sql(query: str, dialect: str | None = None, expect: str = "any", why: str = "") -> Case:
    argv = ["sql", "--json"] + (["--dialect", dialect] if dialect else [])
    return Case("seed", [Step(argv, [query], expect=expect, why=why)], lake="fixture")


def show(table: str, *options: str, expect: str = "any", why: str = "") -> Case:
    return Case("seed", [Step(["show", "--json", *options], [table], expect=expect, why=why)], lake="fixture")


def _parquet(table: object) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf)  # type: ignore[arg-type]
    return buf.getvalue()


def _good_parquet() -> bytes:
    import pyarrow as pa

    return _parquet(pa.table({"id": [1, 2, 3], "email": [f"{M}.a@example.com", "b@example.com", None]}))


def _name_case(name: str, expect: str = "any", why: str = "") -> Case:
    return ingest(name, "in.csv", f"id,email\n1,{M}@example.com\n".encode(), expect=expect, why=why,
                  expected=Expected(rows=1, columns=["id", "email"], nonnull={"id": 1, "email": 1}))


def seeds() -> dict[str, Case]:
    good = _good_parquet()
    s: dict[str, Case] = {
        # --- a segfault
        "segfault-ndjson-null": ingest("t.a", "n.ndjson", b"null\n", expect="fail", why="a line that is not an object"),
        "ndjson-scalar-lines": ingest("t.a", "n.ndjson", b'1\n"x"\ntrue\n', expect="fail", why="not objects"),
        "ndjson-array-line": ingest("t.a", "n.ndjson", b"[1, 2]\n", expect="fail", why="not objects"),
        "ndjson-null-after-object": ingest("t.a", "n.ndjson", b'{"a": 1}\nnull\n', expect="fail", why="not objects"),
        # --- hangs
        "hang-sql-version-1e10": sql("SELECT * FROM fz.plain VERSION AS OF 10000000000", "spark", expect="fail",
                                     why="no such version"),
        "hang-show-version-1e10": show("fz.plain", "--version", "10000000000", expect="fail", why="no such version"),
        "show-version-1000": show("fz.plain", "--version", "1000", expect="fail", why="no such version"),
        # --- silent data loss in CSV headers
        "csv-duplicate-headers": ingest("t.d", "d.csv", b"id,id,id\n1,2,3\n", expect="fail",
                                        why="duplicate column names"),
        "csv-nul-in-header": ingest("t.z", "z.csv", b"a\x00b,c\n1,2\n", expect="fail",
                                    why="a control character in a column name"),
        "csv-empty-headers-collapse": ingest("t.e", "e.csv", b",,,\n1,2,3,4\n", expect="fail",
                                             why="empty column names"),
        "csv-empty-headers-ragged": ingest("t.e", "e.csv", b",,,\n1,2,3\n", expect="fail", why="empty column names"),
        "csv-case-duplicate-headers": ingest("t.c", "c.csv", b"id,ID\n1,2\n", expect="fail",
                                             why="column names differing only in case"),
        "csv-load-id-header": ingest("t.l", "l.csv", f"_load_id,v\n{M},1\n".encode(), expect="fail",
                                     why="the reserved column _load_id"),
        "csv-bom-header": ingest("t.b", "b.csv", b"\xef\xbb\xbfid,v\n1,x\n", expect="ok", why="a UTF-8 BOM",
                                 expected=Expected(rows=1, columns=["id", "v"])),
        "csv-huge-int": ingest("t.h", "h.csv", b"id,n\n1,99999999999999999999\n", expect="any",
                               expected=Expected(rows=1, columns=["id", "n"], numbers={"n": [99999999999999999999]})),
        "csv-quoted-newline": ingest("t.q", "q.csv", f'id,note\n1,"{M}\nsecond line"\n'.encode(), expect="ok",
                                     why="RFC 4180 quoted newline",
                                     expected=Expected(rows=1, columns=["id", "note"],
                                                       strings={"note": [f"{M}\nsecond line"]})),
        "csv-ragged-value-echo": ingest("t.r", "r.csv", f"id,email\n1,{M}@example.com,extra\n".encode(),
                                        expect="fail", why="a ragged row"),
        # --- a merge breaks reading (string_view)
        "merge-then-filter": sql("SELECT * FROM fz.merged WHERE country = 'FI'", expect="ok",
                                 why="a filter on a merged table"),
        "merge-then-in-list": sql("SELECT count(*) FROM fz.merged WHERE country IN ('FI', 'DK')", expect="ok",
                                  why="a filter on a merged table"),
        "merge-then-group": sql("SELECT country, count(*) FROM fz.merged GROUP BY country", expect="ok",
                                why="a group by on a merged table"),
        "merge-then-show": show("fz.merged", expect="ok", why="reading a merged table"),
        "erased-then-filter": sql("SELECT * FROM raw.users WHERE country = 'SE'", expect="ok",
                                  why="a filter on a table after erase + merge"),
        "merge-then-gdpr-find": Case("seed", [Step(["gdpr", "find", "--json"], [f"email={M}.u3@example.com"],
                                                   expect="ok", writes=True, why="gdpr find after a merge")],
                                     lake="fixture"),
        "merge-then-gdpr-erase": Case("seed", [Step(["gdpr", "erase", "--json", "--reason", "r-1", "--yes"],
                                                    [f"email={M}.u4@example.com"], expect="ok", writes=True,
                                                    why="gdpr erase after a merge")], lake="fixture"),
        # --- tracebacks
        "ndjson-malformed": ingest("t.m", "m.ndjson", b'{"a": 1}\n{"a": \n', expect="fail", why="malformed NDJSON"),
        "ndjson-malformed-value-echo": ingest("t.m", "m.ndjson", f'{{"a": "{M}"}}\n{{"a": "{M}" x}}\n'.encode(),
                                              expect="fail", why="malformed NDJSON"),
        # found by `make fuzz` (session 5): pyarrow's corrupt lists, a commit file cut at U+0085,
        # an unterminated last line read as quoted, NDJSON that is not one object per line
        "ndjson-list-null-first": ingest("t.l", "l.ndjson", b'\n{"jz": [null, false]}\n{"jz": []}', expect="ok"),
        "ndjson-list-of-nulls": ingest("t.l", "l.ndjson", b'{"jz": [null, null]}\n', expect="ok"),
        "csv-nel-in-statistics": ingest("t.n", "n.csv", f'a,b\n{M}\U0001f600\x85\u00d2,1\n"",2\n'.encode(),
                                        expect="ok"),
        "csv-unterminated-empty-last": ingest("t.u", "u.csv", b'a,b\n"x",', expect="ok"),
        "ndjson-infinity": ingest("t.i", "i.ndjson", b'{"a": Infinity}\r\n', expect="fail", why="not a JSON number"),
        "ndjson-two-objects-a-line": ingest("t.o", "o.ndjson", b'{"a": 1} {"b": 2}', expect="fail",
                                            why="one object per line"),
        "ndjson-type-clash": ingest("t.m", "m.ndjson", f'{{"a": 1}}\n{{"a": "{M}"}}\n'.encode(), expect="any"),
        "gzip-corrupt": ingest("t.g", "g.csv.gz", gzip.compress(b"id\n1\n2\n")[:-6] + b"\xff" * 6, expect="fail",
                               why="corrupt gzip"),
        "gzip-not-gzip": ingest("t.g", "g.csv.gz", b"id\n1\n", expect="fail", why="not gzip"),
        "gzip-truncated": ingest("t.g", "g.ndjson.gz", gzip.compress(b'{"a": 1}\n' * 100)[:20], expect="fail",
                                 why="truncated gzip"),
        "gzip-multimember": ingest("t.g", "g.csv.gz", gzip.compress(b"id\n1\n") + gzip.compress(b"2\n3\n"),
                                   expect="ok", why="a valid multi-member gzip file",
                                   expected=Expected(rows=3, columns=["id"], nonnull={"id": 3})),
        "zstd-corrupt": ingest("t.g", "g.csv.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 12, expect="fail",
                               why="corrupt zstd"),
        "json-deep-nesting": ingest("t.j", "j.json", ("[" + '{"a":' * 100_000 + "1" + "}" * 100_000 + "]").encode(),
                                    expect="any"),
        "json-deep-arrays": ingest("t.j", "j.json", ("[" * 100_000 + "]" * 100_000).encode(), expect="fail",
                                   why="not an array of objects"),
        "ndjson-deep-nesting": ingest("t.j", "j.ndjson", ('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n").encode(),
                                      expect="any"),
        "json-int-beyond-64-bits": ingest("t.i", "i.json", b'[{"a": 18446744073709551616}]', expect="fail",
                                          why="an integer beyond 64 bits"),
        "ndjson-int-beyond-64-bits": ingest("t.i", "i.ndjson", b'{"a": 18446744073709551616}\n', expect="fail",
                                            why="an integer beyond 64 bits"),
        "json-duplicate-key": ingest("t.k", "k.json", f'[{{"a": 1, "a": "{M}"}}]'.encode(), expect="fail",
                                     why="a duplicate key"),
        "json-nan": ingest("t.n", "n.json", b'[{"a": NaN}]', expect="fail", why="NaN is not JSON"),
        "json-empty-array": ingest("t.n", "n.json", b"[]", expect="fail", why="no rows and no columns"),
        "json-empty-objects": ingest("t.n", "n.json", b"[{}, {}]", expect="fail", why="no columns"),
        "format-xml": ingest("t.x", "x.csv", b"id\n1\n", options=["--format", "xml"], expect="fail",
                             why="an unsupported format"),
        "format-uppercase": ingest("t.x", "x.csv", b"id\n1\n", options=["--format", "CSV"], expect="any"),
        "parquet-corrupt-snappy": ingest("t.p", "p.parquet", good[:40] + bytes(b ^ 0x5A for b in good[40:80])
                                         + good[80:], expect="fail", why="corrupt Parquet"),
        "parquet-truncated": ingest("t.p", "p.parquet", good[: len(good) // 2], expect="fail", why="truncated"),
        "parquet-magic-only": ingest("t.p", "p.parquet", b"PAR1PAR1", expect="fail", why="not Parquet"),
        "parquet-empty-file": ingest("t.p", "p.parquet", b"", expect="fail", why="an empty file"),
        "parquet-read-as-csv": ingest("t.p", "p.parquet", good, options=["--format", "csv"], expect="fail",
                                      why="Parquet bytes are not CSV"),
        "csv-read-as-parquet": ingest("t.p", "p.csv", b"id\n1\n", options=["--format", "parquet"], expect="fail",
                                      why="CSV is not Parquet"),
        "ndjson-read-as-json": ingest("t.p", "p.ndjson", b'{"a": 1}\n{"a": 2}\n', options=["--format", "json"],
                                      expect="fail", why="NDJSON is not one JSON document"),
        "sql-version-beyond-64-bits": sql("SELECT * FROM fz.plain VERSION AS OF 99999999999999999999", "spark",
                                          expect="fail", why="no such version"),
        "sql-version-negative": sql("SELECT * FROM fz.plain VERSION AS OF -1", "spark", expect="fail"),
        "sql-snowflake-offset-1e300": sql("SELECT * FROM fz.plain AT (OFFSET => 1e300)", "snowflake", expect="fail",
                                          why="an absurd offset"),
        "sql-snowflake-offset--1e300": sql("SELECT * FROM fz.plain AT (OFFSET => -1e300)", "snowflake",
                                           expect="fail", why="an absurd offset"),
        "sql-timestamp-year-294247": sql("SELECT * FROM fz.plain FOR TIMESTAMP AS OF '294247-01-10'", "duckdb",
                                         expect="fail"),
        "sql-truncated-for-version": sql("SELECT * FROM fz.plain FOR VERSION", "duckdb", expect="fail",
                                         why="a truncated time-travel clause"),
        "sql-truncated-version-as": sql("SELECT * FROM fz.plain VERSION AS", "spark", expect="fail",
                                        why="a truncated time-travel clause"),
        "sql-deep-parens": sql("SELECT " + "(" * 5000 + "1" + ")" * 5000, expect="fail", why="nesting past a limit"),
        "sql-deep-subqueries": sql("SELECT * FROM " + "(SELECT * FROM " * 1000 + "fz.plain" + ") t" * 1000 + " x",
                                   expect="any"),
        "sql-long-or-chain": sql("SELECT * FROM fz.plain WHERE " + " OR ".join(f"id = {i}" for i in range(5000)),
                                 expect="any"),
        "show-version-beyond-64-bits": show("fz.plain", "--version", "99999999999999999999", expect="fail"),
        "show-version-2-63": show("fz.plain", "--version", "9223372036854775808", expect="fail"),
        "show-version-negative": show("fz.plain", "--version", "-1", expect="fail"),
        "show-limit-negative": show("fz.plain", "--limit", "-1", expect="usage"),
        "show-as-of-garbage": show("fz.plain", "--as-of", "not-a-time", expect="fail"),
        "show-as-of-year-1": show("fz.plain", "--as-of", "0001-01-01T00:00:00-14:00", expect="fail"),
        # --- table names
        "name-space": _name_case("fz.a b"),
        "name-tilde": _name_case("fz.a~b"),
        "name-star": _name_case("fz.a*b"),
        "name-question": _name_case("fz.a?b"),
        "name-at": _name_case("fz.a@b"),
        "name-colon": _name_case("fz.a:b"),
        "name-hash": _name_case("fz.a#b"),
        "name-semicolon": _name_case("fz.a;b"),
        "name-rtl-override": _name_case("fz.a\u202eb"),
        "name-newline": _name_case("fz.a\nb"),
        "name-brackets": _name_case("n.[a]"),
        "name-percent-dotdot": _name_case("sec.%2e%2e"),
        "name-percent-dotdot-slash": _name_case("sec.%2e%2e%2f%2e%2e"),
        "name-upper-case": _name_case("Demo.Upper"),
        "name-meta-namespace": _name_case("_lakekit.loads", expect="fail", why="the reserved namespace"),
        "name-meta-namespace-forged-index": ingest(
            "_lakekit.loads", "forged.csv",
            b"table,load_id,version,job,mode,files,rows,quarantined,metadata,lakekit_version,git_commit,user,host,"
            b"committed_at\nfz.plain,forged-1,0,evil,append,[],1,0,{},0.1.0,,mallory,h,2024-01-01T00:00:00Z\n",
            expect="fail", why="lakekit's own index namespace"),
        "name-dash-first": _name_case("-x.y"),
        "name-long": _name_case("fz." + "a" * 300),
        "name-meta-audit-overwrite": Case("seed", [
            Step(["ingest", "--mode", "overwrite"], ["_lakekit.audit", "a.csv"], expect="fail", writes=True,
                 why="overwriting the GDPR audit trail")], files={"a.csv": b"id\n1\n"}, lake="fixture"),
        "name-meta-loads-append": Case("seed", [
            Step(["ingest"], ["_lakekit.loads", "a.csv"], expect="fail", writes=True,
                 why="appending arbitrary rows to the loads index")], files={"a.csv": b"id,email\n1,x@y.z\n"},
            lake="fixture"),
        # --- values in errors
        "sql-cast-email-int": sql("SELECT CAST(email AS INTEGER) FROM fz.plain", expect="fail"),
        "sql-where-cast-email": sql("SELECT * FROM fz.plain WHERE CAST(email AS INTEGER) = 1", expect="fail"),
        "sql-double-quoted-literal": sql(f'SELECT CAST("{M}" AS INT)', "spark", expect="any"),  # TRY_CAST: NULL
        "sql-double-quoted-time-travel": sql(f'SELECT * FROM fz.plain TIMESTAMP AS OF "{M}"', "spark", expect="fail"),
        "sql-double-quoted-literal-bq": sql(f'SELECT CAST("{M}" AS INT64)', "bigquery", expect="fail"),
        "sql-single-quoted-literal": sql(f"SELECT CAST('{M}' AS INTEGER)", expect="fail"),
        "sql-time-travel-literal": sql(f"SELECT * FROM fz.plain FOR TIMESTAMP AS OF '{M}'", "duckdb", expect="fail"),
        "sql-version-literal": sql(f"SELECT * FROM fz.plain VERSION AS OF '{M}'", "spark", expect="fail"),
        "csv-type-change-echo": ingest("t.v", "v.csv", ("id\n" + "1\n" * 200_000 + f"{M}\n").encode(),
                                       expect="any"),
        # --- merge keys
        "merge-key-missing-on-create": Case("seed", [
            Step(["ingest", "--mode", "merge", "--key", "nosuch"], ["t.k", "a.csv"], expect="fail", writes=True,
                 why="the merge key is not a column"),
            Step(["ingest", "--mode", "merge", "--key", "nosuch"], ["t.k", "b.csv"], expect="fail", writes=True,
                 why="the merge key is not a column")],
            files={"a.csv": b"id,v\n1,x\n", "b.csv": b"id,v\n2,y\n"}),
        "merge-key-duplicate-in-batch": Case("seed", [
            Step(["ingest", "--mode", "merge", "--key", "id"], ["t.k", "a.csv"], expect="fail", writes=True,
                 why="duplicate merge keys in the batch")],
            files={"a.csv": f"id,v\n1,{M}\n1,y\n".encode()}),
        "merge-key-duplicate-existing": Case("seed", [
            Step(["ingest"], ["t.k", "a.csv"], expect="ok", writes=True),
            Step(["ingest", "--mode", "merge", "--key", "id"], ["t.k", "b.csv"], expect="fail", writes=True,
                 why="duplicate merge keys in the batch")],
            files={"a.csv": b"id,v\n1,x\n", "b.csv": f"id,v\n1,{M}\n1,z\n".encode()}),
        # --- zero-column results
        "quarantine-none-phantom-rows": Case("seed", [Step(["quarantine", "--json"], ["fz.plain"], expect="ok",
                                                           json_rows=0, why="a table without quarantine")],
                                             lake="fixture"),
        "quarantine-limit-huge": Case("seed", [Step(["quarantine", "--json", "--limit", "9223372036854775807"],
                                                    ["fz.plain"], expect="any", json_rows=0)], lake="fixture"),
        "show-limit-beyond-64-bits": show("fz.plain", "--limit", "9223372036854775808", expect="any"),
        # --- empties
        "empty-csv": ingest("t.e", "e.csv", b"", expect="fail", why="an empty file"),
        "empty-ndjson": ingest("t.e", "e.ndjson", b"", expect="fail", why="an empty file"),
        "empty-json": ingest("t.e", "e.json", b"", expect="fail", why="an empty file"),
        "blank-ndjson": ingest("t.e", "e.ndjson", b"\n\n", expect="fail", why="no records"),
        "header-only-csv": ingest("t.e", "e.csv", b"id,v\n", expect="any"),
        "header-only-csv-no-newline": ingest("t.e", "e.csv", b"id,v", expect="any"),
        # --- large files failing after the first batch (nothing left behind)
        "csv-bad-row-after-1mib": ingest("t.big", "big.csv", b"id,v\n" + b"1,x\n" * 300_000 + b"1,x,y\n",
                                         expect="fail", why="a ragged row after the first MiB"),
        "ndjson-bad-line-after-1mib": ingest("t.big", "big.ndjson", b'{"id": 1}\n' * 150_000 + b"{oops\n",
                                             expect="fail", why="a malformed line after the first MiB"),
    }
    import pyarrow as pa

    s["parquet-zero-columns"] = ingest("t.e", "e.parquet", _parquet(pa.table({})), expect="fail", why="no columns")
    s["parquet-uint64-max"] = ingest("t.u", "u.parquet", _parquet(pa.table({"n": pa.array([2**64 - 1], pa.uint64())})),
                                     expect="any", expected=Expected(rows=1, columns=["n"], numbers={"n": [2**64 - 1]}))
    views = pa.table({"s": pa.array([M, "b"], pa.string_view())})
    s["parquet-string-view"] = ingest("t.v", "v.parquet", _parquet(views),
                                      expect="ok", why="a type delta-rs itself writes",
                                      expected=Expected(rows=2, columns=["s"], strings={"s": [M]}))
    s["parquet-large-list"] = ingest("t.v", "v.parquet", _parquet(pa.table({"l": pa.array([[1], [2, 3]],
                                                                                           pa.large_list(pa.int64()))})),
                                     expect="ok", why="a type delta-rs itself writes",
                                     expected=Expected(rows=2, columns=["l"]))
    dictionary = pa.table({"s": pa.array([M, M]).dictionary_encode()})
    s["parquet-dictionary"] = ingest("t.v", "v.parquet", _parquet(dictionary),
                                     expect="ok", why="dictionary-encoded strings",
                                     expected=Expected(rows=2, columns=["s"], strings={"s": [M, M]}))
    s["parquet-duplicate-columns"] = ingest("t.v", "v.parquet",
                                            _parquet(pa.Table.from_arrays([pa.array([1]), pa.array([2])],
                                                                          names=["a", "a"])),
                                            expect="fail", why="duplicate column names")
    s["parquet-ns-timestamp-tz"] = ingest("t.v", "v.parquet", _parquet(pa.table({
        "t": pa.array([1_700_000_000_123_456_789], pa.timestamp("ns", tz="Europe/Helsinki"))})), expect="any",
        expected=Expected(rows=1, columns=["t"]))
    s["json-float-1e400"] = ingest("t.f", "f.json", b'[{"a": 1e400}]', expect="fail", why="a float beyond double")
    return s
