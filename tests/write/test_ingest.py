"""Ingest and read on a local lake: formats, modes, provenance, evolution, bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

import lakekit as lk
from lakekit.errors import SchemaConflict, SourceError, TableNotFound, UsageError, VersionNotFound

ROWS = [{"id": 1, "name": "ann", "score": 2.5}, {"id": 2, "name": "bob", "score": 3.0}]


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    cols = header or list(rows[0])
    lines = [",".join(cols)] + [",".join("" if r.get(c) is None else str(r[c]) for c in cols) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the lake with its bytes: 'the lake exactly as it was'."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def data_rows(table: pa.Table) -> list[dict]:
    return sorted(table.drop_columns(["_load_id"]).to_pylist(), key=lambda r: r["id"])


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    return lk.Lake(tmp_path / "lake")


def test_every_format_and_compression_reads_back_the_same(lake: lk.Lake, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    csv_text = write_csv(src / "a.csv", ROWS).read_text().encode()
    (src / "b.csv.gz").write_bytes(gzip.compress(csv_text))
    (src / "c.csv.zst").write_bytes(zstandard.ZstdCompressor().compress(csv_text))
    (src / "d.json").write_text(json.dumps(ROWS))
    (src / "e.ndjson").write_text("\n".join(json.dumps(r) for r in ROWS))
    (src / "f.jsonl.gz").write_bytes(gzip.compress("\n".join(json.dumps(r) for r in ROWS).encode()))
    pq.write_table(pa.Table.from_pylist(ROWS), src / "g.parquet")
    for i, name in enumerate(sorted(p.name for p in src.iterdir())):
        table = f"raw.t{i}"
        result = lake.ingest(table, str(src / name))
        assert (result.rows, result.version, result.skipped) == (2, 0, False), name
        assert data_rows(lake.read(table)) == ROWS, name


def test_file_uri_and_memory_sources(lake: lk.Lake, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS)
    assert lake.ingest("raw.a", f"file://{path}").rows == 2
    with fsspec.open("memory://inbox/b.ndjson", "w") as f:
        f.write("\n".join(json.dumps(r) for r in ROWS))
    result = lake.ingest("raw.b", "memory://inbox/*.ndjson")
    assert result.files[0].uri == "memory:///inbox/b.ndjson"
    assert data_rows(lake.read("raw.b")) == ROWS


def test_memory_lake_keeps_tables_for_the_process(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ROWS)
    lk.Lake("memory://kept").ingest("raw.a", str(path))
    assert lk.Lake("memory://kept").tables() == ["raw.a"]
    assert lk.Lake("memory://other").tables() == []


def test_same_files_load_once_and_skip_without_a_version(lake: lk.Lake, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", ROWS)
    b = write_csv(tmp_path / "b.csv", [{"id": 3, "name": "cy", "score": 1.0}])
    first = lake.ingest("raw.t", str(a))
    both = lake.ingest("raw.t", [str(a), str(b)])
    assert [f.uri for f in both.files] == [str(b)] and [f.uri for f in both.skipped_files] == [str(a)]
    again = lake.ingest("raw.t", str(tmp_path / "*.csv"))
    assert again.skipped and again.version == both.version == first.version + 1
    assert lake.read("raw.t").num_rows == 3
    renamed = tmp_path / "copy" / "same-content.csv"
    renamed.parent.mkdir()
    renamed.write_bytes(a.read_bytes())
    assert lake.ingest("raw.t", str(renamed)).skipped


def test_provenance_in_every_commit_and_loads_index(lake: lk.Lake, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", ROWS)
    result = lake.ingest("raw.t", str(a), metadata={"vendor": "acme-ip-lists", "licence": "CC-BY"}, job="nightly")
    entry = lake.history("raw.t")[0]
    p = entry.provenance
    assert isinstance(p, lk.LoadProvenance) and p.operation == "ingest"
    assert p.load_id == result.load_id and p.job == "nightly" and p.write_id == result.load_id
    assert p.files == (lk.SourceFile(str(a), a.stat().st_size, result.files[0].checksum),)
    assert p.metadata == {"vendor": "acme-ip-lists", "licence": "CC-BY"}
    assert p.lakekit_version and p.user and p.host and p.python
    with pytest.warns(DeprecationWarning, match="typed record"):  # the dict lakekit used to return still reads
        assert p["load_id"] == result.load_id and p.get("files")[0]["uri"] == str(a)
    assert entry.rows_added == 2 and entry.operation == "CREATE TABLE"  # the load's commit made the table
    assert set(lake.read("raw.t").column("_load_id").to_pylist()) == {result.load_id}
    loads = lake.loads("raw.t").to_pylist()
    assert [(r["load_id"], r["version"], r["rows"]) for r in loads] == [(result.load_id, 0, 2)]
    assert json.loads(loads[0]["metadata"])["vendor"] == "acme-ip-lists"


def test_git_commit_of_the_caller_is_recorded(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write_csv(repo / "a.csv", ROWS)
    for cmd in (["init", "-q"], ["add", "a.csv"], ["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    script = "import lakekit as lk, json; l = lk.Lake('lake'); l.ingest('raw.t', 'a.csv');" \
             "print(json.dumps(l.history('raw.t')[0].provenance.to_json()))"
    import sys

    out = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, check=True)
    p = json.loads(out.stdout)
    assert p["git_commit"] == head and p["git_dirty"] is False


def test_load_id_column_can_be_turned_off_per_table(lake: lk.Lake, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", ROWS)
    b = write_csv(tmp_path / "b.csv", [{"id": 3, "name": "cy", "score": 1.0}])
    lake.ingest("raw.plain", str(a), load_id_column=False)
    lake.ingest("raw.plain", str(b))
    assert "_load_id" not in lake.read("raw.plain").column_names


def test_overwrite_and_merge(lake: lk.Lake, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", ROWS)
    b = write_csv(tmp_path / "b.csv", [{"id": 2, "name": "bob", "score": 9.0}, {"id": 3, "name": "cy", "score": 1.0}])
    lake.ingest("raw.m", str(a), mode="merge", keys=["id"])
    lake.ingest("raw.m", str(b), mode="merge", keys=["id"])
    assert [(r["id"], r["score"]) for r in data_rows(lake.read("raw.m"))] == [(1, 2.5), (2, 9.0), (3, 1.0)]
    lake.ingest("raw.o", str(a))
    lake.ingest("raw.o", str(b), mode="overwrite")
    assert [r["id"] for r in data_rows(lake.read("raw.o"))] == [2, 3]
    assert [r["id"] for r in data_rows(lake.read("raw.o", version=0))] == [1, 2]
    with pytest.raises(UsageError, match="keys"):
        lake.ingest("raw.m", str(a), mode="merge")
    with pytest.raises(UsageError, match="merge"):
        lake.ingest("raw.m", str(a), keys=["id"])


def test_partitioned_table(lake: lk.Lake, tmp_path: Path) -> None:
    rows = [{"id": i, "country": c} for i, c in enumerate(["de", "nl", "de"])]
    lake.ingest("raw.p", str(write_csv(tmp_path / "a.csv", rows)), partition_by=["country"])
    folders = {p.parent.name for p in (Path(lake._storage.root) / "raw" / "p").rglob("*.parquet")}
    assert folders == {"country=de", "country=nl"}
    assert lake.read("raw.p", filter="country = 'de'").num_rows == 2
    with pytest.raises(UsageError, match="nope"):
        lake.ingest("raw.q", str(tmp_path / "a.csv"), partition_by=["nope"])


def test_schema_evolution_adds_nullable_columns_and_refuses_conflicts(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.t", str(write_csv(tmp_path / "a.csv", ROWS)))
    wider = [{"id": 3, "name": "cy", "score": 1.0, "referrer": "ad"}]
    lake.ingest("raw.t", str(write_csv(tmp_path / "b.csv", wider)))
    table = lake.read("raw.t")
    assert table.schema.field("referrer").nullable
    assert sorted(table.column("referrer").to_pylist(), key=str) == [None, None, "ad"]
    before = snapshot(Path(lake._storage.root))
    clash = write_csv(tmp_path / "c.csv", [{"id": "x7", "name": "dee", "score": 1.0}])
    with pytest.raises(SchemaConflict) as info:
        lake.ingest("raw.t", str(clash))
    assert "'id'" in str(info.value) and str(clash) in str(info.value) and "x7" not in str(info.value)
    assert snapshot(Path(lake._storage.root)) == before


def test_time_travel_by_version_and_timestamp(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.t", str(write_csv(tmp_path / "a.csv", ROWS)))
    lake.ingest("raw.t", str(write_csv(tmp_path / "b.csv", [{"id": 3, "name": "cy", "score": 1.0}])))
    stamps = {e.version: e.timestamp for e in lake.history("raw.t")}
    assert lake.read("raw.t", version=0).num_rows == 2
    assert lake.read("raw.t", as_of=stamps[0]).num_rows == 2
    assert lake.read("raw.t", as_of=stamps[1].isoformat()).num_rows == 3
    assert lake.read("raw.t", as_of=datetime.now(UTC) + timedelta(days=1)).num_rows == 3
    assert lake.read("raw.t", columns=["name"], filter="score > 2.6").column("name").to_pylist() == ["bob"]
    with pytest.raises(VersionNotFound):
        lake.read("raw.t", as_of=stamps[0] - timedelta(days=1))
    with pytest.raises(VersionNotFound):
        lake.read("raw.t", version=9)
    with pytest.raises(TableNotFound):
        lake.read("raw.nope")
    with pytest.raises(UsageError):
        lake.read("raw.t", as_of="yesterday")
    with pytest.raises(lk.LakekitError, match="'nope'"):
        lake.read("raw.t", columns=["nope"])


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("short.csv", "id,name\n1,a\n2\n", "expected 2 columns, got 1", 3),
        ("typed.csv", "id,name\n" + "".join(f"{i},n\n" for i in range(300000)) + "alice@example.com,n\n",
         "column 'id'", 300002),
        ("bad.json", '[{"id": 1},\n {"id": 2,,}]', "invalid JSON", 2),
        ("mixed.json", '[{"id": 1}, {"id": "alice@example.com"}]', "field 'id'", None),
        ("obj.json", '{"id": 1}', "array of objects", None),
        ("bad.parquet", "not parquet", "Parquet", None),
    ],
)
def test_malformed_input_names_file_and_line_and_changes_nothing(
    lake: lk.Lake, tmp_path: Path, name: str, content: str, message: str, line: int | None
) -> None:
    lake.ingest("raw.t", str(write_csv(tmp_path / "ok.csv", [{"id": 1, "name": "a"}])))
    before = snapshot(Path(lake._storage.root))
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SourceError) as info:
        lake.ingest("raw.t", str(path))
    assert info.value.uri == str(path) and message in str(info.value) and info.value.line == line
    assert "alice" not in str(info.value)
    assert snapshot(Path(lake._storage.root)) == before


def test_missing_and_unreadable_sources(lake: lk.Lake, tmp_path: Path) -> None:
    for source, message in [(str(tmp_path / "none.csv"), "file not found"),
                            (str(tmp_path / "*.csv"), "no files match"),
                            ("nosuchproto://x/y.csv", "unsupported URL"),
                            (str(tmp_path / "x.txt"), "format")]:
        (tmp_path / "x.txt").write_text("a")
        with pytest.raises(SourceError, match=message):
            lake.ingest("raw.t", source)
    assert lake.tables() == []


def test_tables_lists_data_tables_only(lake: lk.Lake, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", ROWS)
    lake.ingest("raw.b", str(a))
    lake.ingest("clean.a", str(a))
    assert lake.tables() == ["clean.a", "raw.b"]
    assert (Path(lake._storage.root) / "_lakekit" / "loads" / "_delta_log").is_dir()
    with pytest.raises(UsageError, match=r"namespace\.name"):
        lake.ingest("nodot", str(a))
