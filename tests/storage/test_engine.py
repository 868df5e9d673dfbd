"""DuckDB's own Parquet reader over pinned versions: the rows, types and partition values a Delta
reader gives, pushdown into the files, and a database that reaches only the tables' folders."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import struct
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lakekit as lk
from lakekit.errors import LakekitError, UnsupportedTable
from lakekit.storage import engine
from lakekit.storage.fileset import fileset
from lakekit.transform import query as q

UTC = dt.UTC


def _sorted(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=repr)


def _as_before(lake: lk.Lake, table: str, sql: str) -> pa.Table:
    """What lakekit returned before reading files itself: DuckDB over the delta-rs Arrow dataset."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("t", DeltaTable(lake._storage.uri(table)).to_pyarrow_dataset())
    return con.sql(sql.replace(table, "t")).to_arrow_table()


WIDE = pa.table({
    "i8": pa.array([1, None], pa.int8()), "i32": pa.array([2, 3], pa.int32()), "i64": [4, None],
    "f32": pa.array([1.5, None], pa.float32()), "f64": [2.5, float("inf")],
    "dec": pa.array([Decimal("1.25"), None], pa.decimal128(10, 2)), "flag": [True, None],
    "s": ["x", "ü'quote"], "b": pa.array([b"\x00\x01", None], pa.binary()),
    "d": pa.array([dt.date(2024, 2, 29), None], pa.date32()),
    "ts": pa.array([dt.datetime(2024, 1, 1, 12, tzinfo=UTC), None], pa.timestamp("us", tz="UTC")),
    "ntz": pa.array([dt.datetime(2024, 1, 1, 12), None], pa.timestamp("us")),
    "l": pa.array([[1, 2], None], pa.list_(pa.int64())),
    "st": pa.array([{"a": 1, "b": "x"}, None], pa.struct([("a", pa.int64()), ("b", pa.string())])),
})


def test_types_are_what_lakekit_gave_before(lake: lk.Lake) -> None:
    write_deltalake(lake._storage.uri("raw.wide"), WIDE)
    got = lake.sql("SELECT * FROM raw.wide ORDER BY i32")
    before = _as_before(lake, "raw.wide", "SELECT * FROM raw.wide ORDER BY i32")
    assert got.schema == before.schema
    assert got.to_pylist() == before.to_pylist()
    assert got.schema.field("ts").type == pa.timestamp("us", tz="UTC")


def test_a_column_added_later_is_null_in_older_files(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.grow")
    write_deltalake(uri, pa.table({"id": [1, 2]}))
    write_deltalake(uri, pa.table({"id": [3], "score": pa.array([1.5], pa.float32())}), mode="append",
                    schema_mode="merge")
    got = lake.sql("SELECT id, score FROM raw.grow ORDER BY id")
    assert got.to_pylist() == [{"id": 1, "score": None}, {"id": 2, "score": None}, {"id": 3, "score": 1.5}]
    assert got.schema.field("score").type == pa.float32()
    assert lake.sql("SELECT id FROM raw.grow VERSION AS OF 0 ORDER BY id", dialect="spark").column(0).to_pylist() \
        == [1, 2]


_PARTITION_TEXT = st.one_of(st.none(), st.sampled_from(["a b", "c/d", "%x", "it's", "ü", "=",
                                                        "__HIVE_DEFAULT_PARTITION__"]),
                            st.text(alphabet="abz09 -_.", min_size=1, max_size=5))
_ROWS = st.lists(st.tuples(st.integers(-5, 5), _PARTITION_TEXT, st.one_of(st.none(), st.integers(-3, 3)),
                           st.one_of(st.none(), st.dates(dt.date(1999, 1, 1), dt.date(2001, 1, 1)))),
                 min_size=1, max_size=25)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_ROWS)
def test_partition_values_come_from_the_log(tmp_path_factory: pytest.TempPathFactory,
                                            rows: list[tuple[int, str | None, int | None, dt.date | None]]) -> None:
    lake = lk.Lake(tmp_path_factory.mktemp("lake"))
    data = pa.table({"x": [r[0] for r in rows], "p": pa.array([r[1] for r in rows], pa.string()),
                     "n": pa.array([r[2] for r in rows], pa.int32()), "d": pa.array([r[3] for r in rows], pa.date32())})
    write_deltalake(lake._storage.uri("raw.parts"), data, partition_by=["p", "n", "d"])
    got = lake.sql("SELECT * FROM raw.parts")
    assert got.column_names == ["x", "p", "n", "d"]
    assert got.schema.field("n").type == pa.int32()
    delta_rs = DeltaTable(lake._storage.uri("raw.parts")).to_pyarrow_table()
    assert _sorted(got) == _sorted(delta_rs.select(got.column_names))
    wanted = rows[0][1]
    where = "p IS NULL" if wanted is None else "p = ?"
    picked = lake.sql(f"SELECT x FROM raw.parts WHERE {where}".replace("?", "'" + str(wanted).replace("'", "''") + "'"))
    assert sorted(picked.column("x").to_pylist()) == sorted(r["x"] for r in got.to_pylist() if r["p"] == wanted)


def test_filters_and_columns_reach_the_parquet_reader(lake: lk.Lake) -> None:
    write_deltalake(lake._storage.uri("raw.events"), pa.table({"id": range(100), "kind": ["a", "b"] * 50}))
    write_deltalake(lake._storage.uri("raw.parts"), pa.table({"x": [1, 2], "p": ["a", "b"]}), partition_by=["p"])
    prepared = q.prepare(lake._storage, "SELECT id FROM raw.events WHERE kind = 'b'")
    con = engine.connect(lake._storage, prepared.scans)
    plan = con.sql("EXPLAIN " + prepared.duckdb_sql).fetchall()[0][1].replace(" ", "")
    assert "READ_PARQUET" in plan
    assert "Projections:id│" in plan
    assert "Filters:kind='b'" in plan
    con.close()
    prepared = q.prepare(lake._storage, "SELECT x FROM raw.parts WHERE p = 'b'")
    con = engine.connect(lake._storage, prepared.scans)
    plan = con.sql("EXPLAIN " + prepared.duckdb_sql).fetchall()[0][1]
    assert plan.count("READ_PARQUET") == 1  # the other partition's files are not scanned at all
    con.close()


def test_the_engine_reaches_only_the_tables_it_reads(lake: lk.Lake) -> None:
    write_deltalake(lake._storage.uri("raw.a"), pa.table({"x": [1]}))
    write_deltalake(lake._storage.uri("raw.b"), pa.table({"x": [2]}))
    lake._storage.secret()
    con = engine.connect(lake._storage, {"a": fileset(lake._storage, "raw.a")})
    try:
        assert con.sql("SELECT x FROM a").fetchall() == [(1,)]
        other = fileset(lake._storage, "raw.b")
        for forbidden in (f"{lake._storage.root}/_lakekit/subject.key", other.location(other.files[0]), "/etc/passwd"):
            with pytest.raises(duckdb.PermissionException):
                con.sql(f"SELECT * FROM read_blob('{forbidden}')").fetchall()
        with pytest.raises(duckdb.Error):
            con.sql("SET enable_external_access = true")
    finally:
        con.close()


def test_an_empty_version_has_the_tables_columns(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.empty")
    ts = pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("us"))
    write_deltalake(uri, pa.table({"id": [1], "s": ["x"], "ts": ts}))
    full = lake.sql("SELECT * FROM raw.empty")
    DeltaTable(uri).delete()
    got = lake.sql("SELECT * FROM raw.empty")
    assert got.num_rows == 0
    assert got.schema == full.schema
    assert got.column_names == ["id", "s", "ts"]


_SCALARS = st.sampled_from([
    pa.bool_(), pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint64(), pa.float32(), pa.float64(),
    pa.string(), pa.large_string(), pa.string_view(), pa.binary(), pa.large_binary(), pa.binary(4), pa.date32(),
    pa.date64(), pa.null(), *(pa.timestamp(u, tz) for u in ("s", "ms", "us", "ns") for tz in (None, "UTC")),
    pa.decimal128(10, 2), pa.decimal128(38, 0), pa.time64("us"),
    pa.struct([("a", pa.int64()), ("select", pa.string())]),
])
_TYPES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.builds(pa.list_, inner), st.builds(pa.large_list, inner), st.builds(pa.list_, inner, st.integers(1, 3)),
    st.builds(pa.map_, st.sampled_from([pa.string(), pa.int64()]), inner)), max_leaves=4)


@settings(max_examples=60)
@given(_TYPES)
def test_lakekit_names_a_type_as_duckdb_does(arrow_type: pa.DataType) -> None:
    """The engine names column types itself (handing DuckDB an Arrow object imports pandas); the
    name it gives is DuckDB's own, or it gives none and DuckDB is asked."""
    named = engine.duckdb_type(arrow_type)
    con = duckdb.connect()
    try:
        con.register("v", pa.schema([("x", arrow_type)]).empty_table())
        asked = con.sql("DESCRIBE SELECT * FROM v").fetchall()[0][1]
    except duckdb.NotImplementedException:
        asked = None
    assert named is None or named == asked, (arrow_type, named, asked)
    if not any(pa.types.is_struct(t) or pa.types.is_time(t) for t in _leaves(arrow_type)):
        assert named is not None, arrow_type


def _leaves(t: pa.DataType) -> list[pa.DataType]:
    if pa.types.is_map(t):
        return [*_leaves(t.key_type), *_leaves(t.item_type)]
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _leaves(t.value_type)
    return [t]


def _turn_on_column_mapping(uri: str) -> None:
    """Commit version 1 as a writer with column mapping would (delta-rs cannot turn it on itself)."""
    log = Path(uri) / "_delta_log"
    first = [json.loads(line) for line in (log / f"{0:020}.json").read_text().splitlines()]
    meta = next(a["metaData"] for a in first if "metaData" in a)
    schema = json.loads(meta["schemaString"])
    for i, f in enumerate(schema["fields"], start=1):
        f["metadata"] = {"delta.columnMapping.id": i, "delta.columnMapping.physicalName": f["name"]}
    meta.update(schemaString=json.dumps(schema), configuration={"delta.columnMapping.mode": "name",
                                                                 "delta.columnMapping.maxColumnId": str(i)})
    protocol = {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["columnMapping"],
                "writerFeatures": ["columnMapping"]}
    (log / f"{1:020}.json").write_text(json.dumps({"protocol": protocol}) + "\n" + json.dumps({"metaData": meta}))


def test_column_mapping_is_refused_clearly(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.mapped")
    write_deltalake(uri, pa.table({"id": [1]}))
    _turn_on_column_mapping(uri)
    with pytest.raises(UnsupportedTable, match=r"'raw\.mapped' uses column mapping"):
        lake.sql("SELECT * FROM raw.mapped")
    assert lake.sql("SELECT * FROM raw.mapped VERSION AS OF 0", dialect="spark").num_rows == 1


_B85 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_Z85 = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def _delete_through_deletion_vector(uri: str, rows: tuple[int, int] = (0, 1)) -> None:
    """Commit version 1 as a writer with deletion vectors would: the first file's ``rows`` deleted by
    an inline vector (delta-rs cannot write one). The vector is the Delta format's: a magic number,
    then a 64-bit roaring bitmap of one 32-bit bucket holding one array container, Z85-encoded."""
    log = Path(uri) / "_delta_log"
    add = next(a["add"] for a in map(json.loads, (log / f"{0:020}.json").read_text().splitlines()) if "add" in a)
    container = struct.pack("<IIHHI", 12346, 1, 0, len(rows) - 1, 16) + b"".join(struct.pack("<H", r) for r in rows)
    vector = struct.pack("<IQI", 1681511377, 1, 0) + container
    encoded = base64.b85encode(vector).translate(bytes.maketrans(_B85, _Z85)).decode()
    add["deletionVector"] = {"storageType": "i", "pathOrInlineDv": encoded, "sizeInBytes": len(vector),
                             "cardinality": len(rows)}
    add["dataChange"] = True
    protocol = {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"],
                "writerFeatures": ["deletionVectors"]}
    remove = {"path": add["path"], "deletionTimestamp": add["modificationTime"], "dataChange": True}
    (log / f"{1:020}.json").write_text("\n".join(json.dumps(a) for a in (
        {"protocol": protocol}, {"remove": remove}, {"add": add})) + "\n")


def test_deletion_vectors_are_refused_clearly(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.deleted")
    write_deltalake(uri, pa.table({"id": [1, 2, 3]}))
    _delete_through_deletion_vector(uri)
    with pytest.raises(UnsupportedTable, match=r"'raw\.deleted' has rows deleted through deletion vectors"):
        lake.sql("SELECT * FROM raw.deleted")


def test_a_vacuumed_version_is_an_error_naming_the_table(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.gone")
    write_deltalake(uri, pa.table({"id": [1]}))
    write_deltalake(uri, pa.table({"id": [2]}), mode="overwrite")
    DeltaTable(uri).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    with pytest.raises(LakekitError, match=r"raw\.gone"):
        lake.sql("SELECT * FROM raw.gone VERSION AS OF 0", dialect="spark")


def test_a_version_read_before_and_vacuumed_since_is_an_error_naming_the_table(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.swept")
    write_deltalake(uri, pa.table({"id": [1]}))
    assert lake.sql("SELECT * FROM raw.swept").to_pylist() == [{"id": 1}]
    write_deltalake(uri, pa.table({"id": [2]}), mode="overwrite")
    DeltaTable(uri).vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    with pytest.raises(LakekitError, match=r"raw\.swept"):
        lake.sql("SELECT * FROM raw.swept VERSION AS OF 0", dialect="spark")
    assert lake.sql("SELECT * FROM raw.swept").to_pylist() == [{"id": 2}]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.integers(-5, 5), min_size=1, max_size=4),
       second=st.lists(st.integers(-5, 5), min_size=1, max_size=4))
def test_a_table_made_again_under_its_name_is_read_anew(lake: lk.Lake, first: list[int], second: list[int]) -> None:
    """A version's files are remembered per process by its commit file: a table deleted and written
    again has versions of the same numbers, which must not be read as the old table's."""
    uri = Path(lake._storage.uri("raw.again"))
    for rows in (first, second):
        if uri.exists():
            shutil.rmtree(uri)
        write_deltalake(str(uri), pa.table({"x": rows}))
        write_deltalake(str(uri), pa.table({"x": [len(rows)]}), mode="append")
        got = lake.sql("SELECT x FROM raw.again").column("x").to_pylist()
        assert sorted(got) == sorted([*rows, len(rows)])
        old = lake.sql("SELECT x FROM raw.again VERSION AS OF 0", dialect="spark").column("x").to_pylist()
        assert sorted(old) == sorted(rows)


def test_each_commit_is_seen_by_the_next_query(lake: lk.Lake) -> None:
    uri = lake._storage.uri("raw.growing")
    for n in range(1, 5):
        write_deltalake(uri, pa.table({"x": [n]}), mode="append")
        assert lake.sql("SELECT count(*) AS n FROM raw.growing").column("n").to_pylist() == [n]
