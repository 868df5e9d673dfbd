"""Every Arrow type delta-rs writes is read with plain types by every feature.

delta-rs MERGE and DELETE (and a predicate overwrite) rewrite files with ``string_view`` and
``binary_view`` columns, also inside structs; sources bring ``large_string``, ``large_list``,
``large_binary`` and dictionary-encoded columns, and timestamps with and without zones. The
table here goes through a merge, a delete, a predicate overwrite (both by another Delta writer)
and schema evolution; then reads, filters, SQL, transforms, merges, validation, run fingerprints
and GDPR search and erasure run over it.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from lakekit import Lake
from lakekit.storage import scan

TABLE = "typed.events"
EMAIL = "ann@example.com"
PLAIN = (pa.string(), pa.binary(), pa.int64(), pa.float64(), pa.timestamp("us", tz="UTC"), pa.timestamp("us"))


def _rows(ids: list[int], kind: str, **extra: pa.Array) -> pa.Table:
    n = len(ids)
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "email": pa.array([EMAIL if i == 1 else f"u{i}@example.com" for i in ids], pa.large_string()),
        "kind": pa.array([kind] * n).dictionary_encode(),
        "amount": pa.array([float(i) for i in ids]),
        "blob": pa.array([f"b{i}".encode() for i in ids], pa.large_binary()),
        "tags": pa.array([[f"t{i}", "x"] for i in ids], pa.large_list(pa.string_view())),
        "attrs": pa.array([{"k": f"v{i}", "n": i} for i in ids]),
        "at": pa.array([datetime(2024, 1, i, tzinfo=UTC) for i in ids], pa.timestamp("ns", tz="Europe/Helsinki")),
        "local": pa.array([datetime(2024, 1, i) for i in ids], pa.timestamp("ms")),
        **extra,
    })


def _parquet(path: Path, table: pa.Table) -> str:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


def _plain(t: pa.DataType) -> bool:
    if pa.types.is_struct(t):
        return all(_plain(f.type) for f in t)
    if pa.types.is_list(t):
        return _plain(t.value_type)
    return t in PLAIN


@pytest.fixture
def typed(tmp_path: Path) -> Lake:
    """``typed.events`` after an ingest of large/dictionary/view types, a predicate overwrite by
    delta-rs, an append that adds a column, a merge and a delete by delta-rs (which leave files
    with view types)."""
    lake = Lake(tmp_path / "lake", schemas="tests.integration.typed_models")
    lake.ingest(TABLE, _parquet(tmp_path / "a.parquet", _rows([1, 2, 3, 4], "click")))
    uri = lake.storage.uri(TABLE)
    four = lake.read(TABLE).filter(pc.field("id") == 4)
    write_deltalake(uri, four.set_column(four.schema.get_field_index("amount"), "amount", pa.array([40.0])),
                    mode="overwrite", predicate="id = 4")
    lake.ingest(TABLE, _parquet(tmp_path / "c.parquet", _rows([6], "buy", note=pa.array(["new"], pa.string_view()))))
    lake.ingest(TABLE, _parquet(tmp_path / "b.parquet", _rows([2, 5], "view")), mode="merge", keys=["id"])
    DeltaTable(uri).delete("id = 3")
    assert not scan.faithful(lake.storage.dataset(TABLE))  # delta-rs wrote views
    return lake


def test_reads_and_filters_see_plain_types(typed: Lake) -> None:
    data = typed.read(TABLE)
    assert sorted(data.column("id").to_pylist()) == [1, 2, 4, 5, 6]
    assert all(_plain(f.type) for f in data.schema), data.schema
    assert typed.read(TABLE, filter=pc.field("email") == EMAIL).column("id").to_pylist() == [1]
    assert typed.read(TABLE, filter=pc.field("kind").isin(["view"])).num_rows == 2
    assert typed.read(TABLE, filter="kind = 'view' AND attrs.k = 'v5'").column("id").to_pylist() == [5]
    assert typed.read(TABLE, filter="blob = 'b2'::BLOB").column("id").to_pylist() == [2]
    assert typed.read(TABLE, version=1, filter=pc.field("email") == EMAIL).num_rows == 1


def test_sql_and_transforms_over_every_type(typed: Lake) -> None:
    rows = typed.sql("SELECT kind, count(*) AS n, max(list_contains(tags, 'x')) AS x FROM typed.events "
                     "WHERE email LIKE '%@example.com' AND at >= TIMESTAMPTZ '2024-01-02' AND local < TIMESTAMP "
                     "'2024-02-01' GROUP BY kind ORDER BY kind").to_pylist()
    assert rows == [{"kind": "buy", "n": 1, "x": True}, {"kind": "click", "n": 1, "x": True},
                    {"kind": "view", "n": 2, "x": True}]
    joined = typed.sql("SELECT a.id FROM typed.events a JOIN typed.events VERSION AS OF 3 b USING (email) "
                       "WHERE b.kind IN ('view') ORDER BY a.id", dialect="spark")
    assert joined.column("id").to_pylist() == [2, 5]
    typed.transform("typed.views", "SELECT id, email, tags, attrs FROM typed.events WHERE kind = 'view'",
                    dialect="duckdb")
    typed.transform("typed.views", "MERGE INTO typed.views t USING (SELECT id, email, tags, attrs FROM typed.events "
                    "WHERE kind = 'buy') s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN "
                    "INSERT *", dialect="duckdb")
    out = typed.read("typed.views")
    assert sorted(out.column("id").to_pylist()) == [2, 5, 6] and all(_plain(f.type) for f in out.schema)
    assert typed.sql("SELECT count(*) AS n FROM typed.views WHERE email = 'u6@example.com'").column("n")[0].as_py() == 1


def test_merge_validation_and_runs_over_every_type(typed: Lake, tmp_path: Path) -> None:
    typed.ingest(TABLE, _parquet(tmp_path / "d.parquet", _rows([5, 7], "buy")), mode="merge", keys=["id"])
    assert typed.read(TABLE, filter=pc.field("id") == 5).column("kind").to_pylist() == ["buy"]
    report = typed.validate(TABLE)
    assert report.ok and report.rows_checked == 6
    with typed.start_run("typed") as run:
        first = run.read(TABLE, filter=pc.field("kind") == "buy")
        second = run.read(TABLE, filter="email <> 'nobody'")
    assert first.num_rows == 3 and second.num_rows == 6
    again = typed.reproduce(run.run_id)
    assert again[TABLE].equals(first) and again[f"{TABLE}#2"].equals(second)  # fingerprints checked too


def test_gdpr_finds_and_erases_a_subject_in_view_typed_files(typed: Lake) -> None:
    found = typed.gdpr.find(email=EMAIL)
    hit = next(h for h in found.tables if h.table == TABLE)
    assert hit.rows == 1 and hit.versions
    erased = typed.gdpr.erase(email=EMAIL, reason="ticket-1")
    assert erased.verified
    assert typed.read(TABLE, filter=pc.field("email") == EMAIL).num_rows == 0
    assert sorted(typed.read(TABLE).column("id").to_pylist()) == [2, 4, 5, 6]
    assert typed.gdpr.verify(email=EMAIL).verified
