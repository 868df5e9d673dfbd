"""Ingest reads each byte once: fingerprints taken while the rows are parsed, remembered by
(path, size, mtime_ns) so an unchanged file is not read again, ``verify`` to hash anew."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lakekit as lk
from lakekit import sources
from lakekit.cli import app


def _csv(path: Path, rows: list[tuple[int, str]]) -> Path:
    path.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows))
    return path


def _sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _parquet_files(lake: lk.Lake, table: str) -> set[Path]:
    return set((Path(lake._storage.root) / table.replace(".", "/")).rglob("*.parquet"))


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=",\n\r\""), max_size=12)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(-10**12, 10**12), _TEXT), min_size=1, max_size=60),
       kind=st.sampled_from(["csv", "csv.gz", "ndjson", "json"]), retype=st.booleans())
def test_the_digest_of_a_parse_is_the_files_sha256(tmp_path_factory: pytest.TempPathFactory,
                                                   rows: list[tuple[int, str]], kind: str, retype: bool) -> None:
    folder = tmp_path_factory.mktemp("src")
    records = [{"id": i, "name": n} for i, n in rows]
    text = {"csv": "id,name\n" + "".join(f'{i},"{n}"\n' for i, n in rows),
            "ndjson": "\n".join(json.dumps(r) for r in records), "json": json.dumps(records)}
    path = folder / f"f.{kind}"
    if kind == "csv.gz":
        path.write_bytes(gzip.compress(text["csv"].encode()))
    else:
        path.write_text(text[kind])
    src = sources.resolve(str(path))[0]
    digest = sources.Digest()
    import pyarrow as pa

    types = {"name": pa.string(), "id": pa.int64()} if retype else None  # may make the reader open the file again
    assert sum(b.num_rows for b in sources.read(src, types, digest)) == len(rows)
    assert digest.checksum() == _sha(path) == sources.fingerprint(src).checksum


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(-10**12, 10**12), _TEXT), min_size=1, max_size=60),
       ending=st.sampled_from(["", "\n", "\r\n", "\r"]), gz=st.booleans())
def test_a_csv_reads_the_same_whatever_its_last_line_ends_with(tmp_path_factory: pytest.TempPathFactory,
                                                              rows: list[tuple[int, str]], ending: str,
                                                              gz: bool) -> None:
    """With a last line break the file reaches the parser without the line-end wrapper, without
    one (or compressed) through it: the same rows either way, and the digest is the file's."""
    folder = tmp_path_factory.mktemp("src")
    body = ("id,name\n" + "\n".join(f'{i},"{n}"' for i, n in rows) + ending).encode()
    path = folder / ("f.csv.gz" if gz else "f.csv")
    path.write_bytes(gzip.compress(body) if gz else body)
    src = sources.resolve(str(path))[0]
    digest = sources.Digest()
    got = [r for b in sources.read(src, None, digest) for r in b.to_pylist()]
    assert [(r["id"], r["name"]) for r in got] == rows
    assert digest.checksum() == _sha(path)


def test_a_load_records_the_sha256_of_what_it_parsed(lake: lk.Lake, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [(1, "ann"), (2, "bob")])
    result = lake.ingest("raw.t", str(a))
    assert [f.checksum for f in result.files] == [_sha(a)]
    assert lake.ingest("raw.t", str(a)).skipped


def test_an_unchanged_file_is_known_without_reading_it_and_verify_reads_it(lake: lk.Lake, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [(1, "ann"), (2, "bob")])
    lake.ingest("raw.t", str(a))
    before = a.stat()
    _csv(a, [(3, "cyd"), (4, "dan")])  # same size, and the old modification time put back
    os.utime(a, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert lake.ingest("raw.t", str(a)).skipped  # taken for the file already loaded: it was not read
    verified = lake.ingest("raw.t", str(a), verify=True)
    assert not verified.skipped and verified.files[0].checksum == _sha(a)
    assert sorted(lake.read("raw.t").column("id").to_pylist()) == [1, 2, 3, 4]


def test_a_changed_file_is_read_again(lake: lk.Lake, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [(1, "ann")])
    lake.ingest("raw.t", str(a))
    _csv(a, [(1, "ann"), (2, "bob")])
    assert lake.ingest("raw.t", str(a)).rows == 2


def test_one_content_under_two_names_loads_once(lake: lk.Lake, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [(1, "ann"), (2, "bob")])
    b = tmp_path / "b.csv"
    b.write_bytes(a.read_bytes())
    result = lake.ingest("raw.t", [str(a), str(b)])
    assert result.rows == 2 and [f.uri for f in result.files] == [str(a)]
    assert [f.uri for f in result.skipped_files] == [str(b)]


def test_a_copy_of_a_loaded_file_is_read_then_not_committed(lake: lk.Lake, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [(1, "ann"), (2, "bob")])
    first = lake.ingest("raw.t", str(a))
    files = _parquet_files(lake, "raw.t")
    c = tmp_path / "copy.csv"
    c.write_bytes(a.read_bytes())
    again = lake.ingest("raw.t", str(c))
    assert again.skipped and again.version == first.version
    assert _parquet_files(lake, "raw.t") == files  # its staged rows were removed


def test_cli_verify(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [(1, "ann")])
    runner = CliRunner()
    root = str(tmp_path / "lake")
    assert runner.invoke(app, ["ingest", "raw.t", str(a), "--lake", root, "--create"]).exit_code == 0
    out = runner.invoke(app, ["ingest", "raw.t", str(a), "--lake", root, "--verify", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["skipped"] is True
