"""Ingest, read, time travel and exactly-once skips on a real S3-compatible server (moto on 127.0.0.1).

Every test runs twice, on local disk and on S3, so the two backends are held to the same
behaviour. On S3 both the lake (``s3://<bucket>/lake``) and the source files live in the
bucket, and lakekit reaches both with nothing but the Lake's delta-rs style storage options.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from lakekit import Lake
from lakekit.errors import SourceError, TableNotFound, VersionNotFound


@dataclass
class Where:
    """A lake plus a place to put source files, on one backend."""

    name: str
    lake: Lake
    base: str  # where source files go: a folder path or an s3:// prefix
    s3: object | None = None

    def put(self, name: str, data: bytes) -> str:
        url = f"{self.base}/{name}"
        if self.s3 is None:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            Path(url).write_bytes(data)
        else:
            self.s3.fs().pipe(url, data)
        return url

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


@pytest.fixture(params=["local", "s3"])
def where(request, tmp_path) -> Where:
    if request.param == "local":
        return Where("local", Lake(tmp_path / "lake"), str(tmp_path / "in"))
    s3 = request.getfixturevalue("s3")
    return Where("s3", s3.lake(), s3.url("in"), s3)


def _csv(rows: list[tuple[int, str]]) -> bytes:
    return ("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows)).encode()


def _rows(t: pa.Table) -> list[tuple]:
    t = t.drop_columns([c for c in t.column_names if c == "_load_id"])
    return sorted(tuple(r.values()) for r in t.to_pylist())


def test_ingest_glob_reads_back_with_load_ids(where: Where):
    where.put("a.csv", _csv([(1, "a"), (2, "b")]))
    where.put("b.csv", _csv([(3, "ü€")]))
    where.put("other.txt", b"not a source")

    r = where.lake.ingest("raw.people", where.url("*.csv"), metadata={"vendor": "acme"})

    assert (r.table, r.version, r.rows, r.skipped) == ("raw.people", 0, 3, False)
    assert sorted(f.uri for f in r.files) == [where.url("a.csv"), where.url("b.csv")]
    t = where.lake.read("raw.people")
    assert _rows(t) == [(1, "a"), (2, "b"), (3, "ü€")]
    assert set(t.column("_load_id").to_pylist()) == {r.load_id}
    assert where.lake.tables() == ["raw.people"]  # _lakekit/loads exists but is not listed
    (h,) = where.lake.history("raw.people")
    assert h.provenance.write_id == r.load_id
    assert h.provenance.metadata == {"vendor": "acme"}
    assert sorted(f.uri for f in h.provenance.files) == sorted(f.uri for f in r.files)
    loads = where.lake.loads("raw.people")
    assert loads.column("load_id").to_pylist() == [r.load_id]
    assert json.loads(loads.column("metadata")[0].as_py()) == {"vendor": "acme"}


def test_reingest_is_skipped_and_only_new_files_load(where: Where):
    where.put("a.csv", _csv([(1, "a")]))
    first = where.lake.ingest("raw.t", where.url("*.csv"))

    again = where.lake.ingest("raw.t", where.url("*.csv"))
    assert again.skipped and again.version == first.version == 0 and again.rows == 0
    assert [f.uri for f in again.skipped_files] == [where.url("a.csv")]

    where.put("b.csv", _csv([(2, "b"), (3, "c")]))
    second = where.lake.ingest("raw.t", where.url("*.csv"))
    assert (second.version, second.rows, second.skipped) == (1, 2, False)
    assert [f.uri for f in second.files] == [where.url("b.csv")]
    assert [f.uri for f in second.skipped_files] == [where.url("a.csv")]

    # the same content under another name is the same file
    where.put("copy-of-a.csv", _csv([(1, "a")]))
    assert where.lake.ingest("raw.t", where.url("copy-of-a.csv")).skipped

    assert _rows(where.lake.read("raw.t")) == [(1, "a"), (2, "b"), (3, "c")]
    assert [h.version for h in where.lake.history("raw.t")] == [1, 0]
    assert where.lake.loads("raw.t").column("load_id").to_pylist() == [first.load_id, second.load_id]


def test_time_travel_by_version_and_timestamp(where: Where):
    where.put("v0.csv", _csv([(1, "a"), (2, "b")]))
    where.put("v1.csv", _csv([(3, "c")]))
    where.put("v2.csv", _csv([(9, "z")]))
    r0 = where.lake.ingest("raw.t", where.url("v0.csv"))
    r1 = where.lake.ingest("raw.t", where.url("v1.csv"))
    r2 = where.lake.ingest("raw.t", where.url("v2.csv"), mode="overwrite")
    assert [r0.version, r1.version, r2.version] == [0, 1, 2]

    expected = {0: [(1, "a"), (2, "b")], 1: [(1, "a"), (2, "b"), (3, "c")], 2: [(9, "z")]}
    for version, rows in expected.items():
        assert _rows(where.lake.read("raw.t", version=version)) == rows
    assert _rows(where.lake.read("raw.t")) == expected[2]

    history = {h.version: h for h in where.lake.history("raw.t")}
    assert [history[v].provenance.write_id for v in (0, 1, 2)] == [r0.load_id, r1.load_id, r2.load_id]
    for version, rows in expected.items():
        when = history[version].timestamp
        assert where.lake.resolve_version("raw.t", as_of=when) == version
        assert _rows(where.lake.read("raw.t", as_of=when.isoformat())) == rows

    with pytest.raises(VersionNotFound):
        where.lake.read("raw.t", version=3)
    with pytest.raises(VersionNotFound):
        where.lake.read("raw.t", as_of="2000-01-01T00:00:00+00:00")
    with pytest.raises(TableNotFound):
        where.lake.read("raw.nope")


def test_columns_and_filters(where: Where):
    where.put("a.csv", _csv([(i, f"n{i}") for i in range(10)]))
    where.lake.ingest("raw.t", where.url("a.csv"))
    assert where.lake.read("raw.t", columns=["id"]).column_names == ["id"]
    assert sorted(where.lake.read("raw.t", filter="id >= 7").column("id").to_pylist()) == [7, 8, 9]
    assert where.lake.read("raw.t", filter=pc.field("name") == "n3").column("id").to_pylist() == [3]


def test_formats_and_compression(where: Where):
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2], "name": ["p", "q"]}), buf)
    where.put("a.parquet", buf.getvalue())
    where.put("b.ndjson", b'{"id": 3, "name": "n"}\n{"id": 4, "name": null}\n')
    where.put("c.json", json.dumps([{"id": 5, "name": "j"}]).encode())
    where.put("d.csv.gz", gzip.compress(_csv([(6, "g")])))

    r = where.lake.ingest("raw.t", [where.url(n) for n in ("a.parquet", "b.ndjson", "c.json", "d.csv.gz")])

    assert r.rows == 6 and len(r.files) == 4
    assert _rows(where.lake.read("raw.t")) == [(1, "p"), (2, "q"), (3, "n"), (4, None), (5, "j"), (6, "g")]


def test_merge_and_schema_evolution(where: Where):
    where.put("a.csv", _csv([(1, "a"), (2, "b")]))
    where.put("upd.csv", b"id,name,score\n2,B,0.5\n3,c,1.5\n")
    where.lake.ingest("raw.t", where.url("a.csv"))
    r = where.lake.ingest("raw.t", where.url("upd.csv"), mode="merge", keys=["id"])

    assert r.version == 1
    t = where.lake.read("raw.t")
    assert t.schema.field("score").type == pa.float64()
    assert _rows(t.select(["id", "name", "score"])) == [(1, "a", None), (2, "B", 0.5), (3, "c", 1.5)]
    assert _rows(where.lake.read("raw.t", version=0)) == [(1, "a"), (2, "b")]
    ids = dict(zip(t.column("id").to_pylist(), t.column("_load_id").to_pylist(), strict=True))
    assert ids[2] == ids[3] == r.load_id != ids[1]


def test_partitioned_table(where: Where):
    where.put("a.csv", b"id,country\n1,de\n2,fr\n3,de\n")
    where.lake.ingest("raw.t", where.url("a.csv"), partition_by=["country"])
    assert sorted(where.lake.read("raw.t", filter="country = 'de'").column("id").to_pylist()) == [1, 3]
    where.put("b.csv", b"id,country\n4,fr\n")
    where.lake.ingest("raw.t", where.url("b.csv"))
    assert sorted(where.lake.read("raw.t", filter=pc.field("country") == "fr").column("id").to_pylist()) == [2, 4]


def test_bad_sources_leave_the_lake_as_it_was(where: Where):
    where.put("a.csv", _csv([(1, "a")]))
    where.lake.ingest("raw.t", where.url("a.csv"))
    where.put("bad.csv", b"id,name\n2,b\n3,c,extra\n")

    with pytest.raises(SourceError, match=r"missing\.csv"):
        where.lake.ingest("raw.t", where.url("missing.csv"))
    with pytest.raises(SourceError, match="no files match"):
        where.lake.ingest("raw.t", where.url("nothing-*.csv"))
    with pytest.raises(SourceError, match=r"bad\.csv, line 3"):
        where.lake.ingest("raw.t", [where.url("a.csv"), where.url("bad.csv")])

    assert [h.version for h in where.lake.history("raw.t")] == [0]
    assert _rows(where.lake.read("raw.t")) == [(1, "a")]
    assert where.lake.loads("raw.t").num_rows == 1


def test_local_sources_into_an_s3_lake(s3, tmp_path):
    (tmp_path / "a.csv").write_bytes(_csv([(1, "a")]))
    lake = s3.lake()
    r = lake.ingest("raw.t", str(tmp_path / "a.csv"))
    assert r.rows == 1 and r.files[0].checksum.startswith("sha256:")
    assert lake.ingest("raw.t", str(tmp_path / "a.csv")).skipped
    # a second Lake object on the same root sees the same tables and the same loads
    again = s3.lake()
    assert again.tables() == ["raw.t"]
    assert again.loads("raw.t").column("load_id").to_pylist() == [r.load_id]


def test_sql_and_transforms_read_the_pinned_files(where: Where) -> None:
    """DuckDB reads the version's Parquet files itself, from the store as from disk."""
    lake = where.lake
    lake.ingest("raw.people", where.put("a.csv", _csv([(1, "ann"), (2, "bob")])))
    lake.ingest("raw.people", where.put("b.csv", _csv([(3, "cy")])))
    assert _rows(lake.sql("SELECT id, name FROM raw.people WHERE id > 1")) == [(2, "bob"), (3, "cy")]
    assert _rows(lake.sql("SELECT id, name FROM raw.people VERSION AS OF 0", dialect="spark")) == [(1, "ann"),
                                                                                                   (2, "bob")]
    done = lake.transform("clean.people", "SELECT id, upper(name) AS name FROM raw.people", dialect="duckdb")
    assert _rows(lake.read("clean.people", version=done.version)) == [(1, "ANN"), (2, "BOB"), (3, "CY")]


def test_an_update_duckdb_runs_rewrites_only_the_files_holding_picked_rows(where: Where) -> None:
    """The files holding picked rows are found by their locations in the store as on disk."""
    lake = where.lake
    lake.ingest("raw.people", where.put("a.csv", _csv([(1, "ann"), (2, "bob")])))
    lake.ingest("raw.people", where.put("b.csv", _csv([(3, "cy")])))
    before = set(lake._storage.open("raw.people").file_uris())
    done = lake.transform("raw.people", "UPDATE raw.people SET name = replace(name, 'y', 'ie') WHERE id > 2")
    assert (done.rows, done.written) == (1, 1) and "rewrite of the 1 file(s)" in (done.reason or "")
    assert len(before - set(lake._storage.open("raw.people").file_uris())) == 1
    assert _rows(lake.read("raw.people")) == [(1, "ann"), (2, "bob"), (3, "cie")]
