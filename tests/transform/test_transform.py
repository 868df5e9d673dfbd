"""Transforms end to end on real Delta tables: pinned versions, every statement kind, validation,
errors that leave the lake untouched, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandera.polars as pa
import pyarrow as arrow
import pytest
from deltalake import write_deltalake
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import SqlError, TableNotFound, UsageError
from lakekit.index import metadata

EVENTS = arrow.table({"id": [1, 2, 3], "user": ["a", "b", "a"], "amount": [10, 20, 30]})


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake")
    put(lake, "src.events", EVENTS)
    put(lake, "src.people", arrow.table({"user": ["a", "b"], "country": ["de", "fr"]}))
    return lake


def put(lake: lk.Lake, table: str, rows: arrow.Table, mode: str = "overwrite") -> None:
    write_deltalake(lake._storage.uri(table), rows, mode=mode)  # type: ignore[arg-type]


def rows(lake: lk.Lake, table: str, version: int | None = None) -> list[dict]:
    return sorted(lake.read(table, version=version).to_pylist(), key=lambda r: json.dumps(r, sort_keys=True))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_pinned_versions_reproduce_an_old_output(lake: lk.Lake) -> None:
    sql = "SELECT e.id, e.amount * 2 AS doubled, p.country FROM src.events e JOIN src.people p ON e.user = p.user"
    first = lake.transform("out.enriched", sql)
    assert (first.version, first.rows, first.inputs) == (0, 3, {"src.events": 0, "src.people": 0})
    put(lake, "src.events", arrow.table({"id": [4], "user": ["b"], "amount": [40]}), mode="append")
    put(lake, "src.people", arrow.table({"user": ["a", "b"], "country": ["it", "es"]}))
    second = lake.transform("out.enriched", sql)
    assert (second.version, second.inputs) == (1, {"src.events": 1, "src.people": 1})
    assert {r["country"] for r in rows(lake, "out.enriched")} == {"it", "es"}

    again = lake.transform("out.replay", sql, versions={"src.events": 0, "src.people": 0})
    assert rows(lake, "out.replay") == rows(lake, "out.enriched", version=0)
    assert again.inputs == first.inputs

    provenance = lake.history("out.enriched")[0].provenance
    assert isinstance(provenance, lk.TransformProvenance) and provenance.sql == sql
    assert provenance.inputs == {"src.events": 1, "src.people": 1} and provenance.previous_inputs is None
    indexed = metadata.read(lake._storage, "transforms").to_pylist()
    assert sorted((r["table"], r["version"]) for r in indexed) == [("out.enriched", 0), ("out.enriched", 1),
                                                                    ("out.replay", 0)]
    assert all(json.loads(r["inputs"]) for r in indexed)


def test_the_same_sql_over_the_same_versions_is_skipped(lake: lk.Lake) -> None:
    sql = "SELECT id FROM src.events"
    assert not lake.transform("out.ids", sql).skipped
    again = lake.transform("out.ids", sql)
    assert again.skipped and again.version == 0 and "unchanged" in again.reason
    assert len(lake.history("out.ids")) == 1


def test_ctas_insert_and_plain_query_modes(lake: lk.Lake) -> None:
    made = lake.transform("out.t", "CREATE TABLE out.t AS SELECT id, amount FROM src.events WHERE amount > 10")
    assert made.rows == 2
    lake.transform("out.t", "INSERT INTO out.t SELECT id, amount FROM src.events WHERE id = 1")
    lake.transform("out.t", "INSERT INTO out.t (amount, id) SELECT amount + 1, id + 100 FROM src.events WHERE id = 1")
    assert sorted((r["id"], r["amount"]) for r in rows(lake, "out.t")) == [(1, 10), (2, 20), (3, 30), (101, 11)]
    lake.transform("out.t", "SELECT id, 0 AS amount FROM src.events WHERE id = 2", mode="merge", keys=["id"])
    assert sorted((r["id"], r["amount"]) for r in rows(lake, "out.t")) == [(1, 10), (2, 0), (3, 30), (101, 11)]
    lake.transform("out.t", "SELECT 7 AS id, 7 AS amount", mode="append")
    assert len(rows(lake, "out.t")) == 5
    with pytest.raises(UsageError, match=r"writes 'out\.t'"):
        lake.transform("out.other", "CREATE TABLE out.t AS SELECT 1 AS id")


def test_merge_statements_update_all_or_named_columns(lake: lk.Lake) -> None:
    lake.transform("out.m", "SELECT id, user, amount FROM src.events")
    changes = arrow.table({"id": [2, 9], "user": ["z", "y"], "amount": [0, 90]})
    put(lake, "src.changes", changes)
    lake.transform("out.m", "MERGE INTO out.m t USING src.changes s ON t.id = s.id "
                            "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *", dialect="databricks")
    assert {r["id"]: (r["user"], r["amount"]) for r in rows(lake, "out.m")} == {
        1: ("a", 10), 2: ("z", 0), 3: ("a", 30), 9: ("y", 90)}
    put(lake, "src.changes", arrow.table({"id": [1, 5], "user": ["q", "w"], "amount": [-1, 50]}))
    lake.transform("out.m", "MERGE INTO out.m t USING (SELECT * FROM src.changes) s ON t.id = s.id "
                            "WHEN MATCHED THEN UPDATE SET t.amount = s.amount "
                            "WHEN NOT MATCHED THEN INSERT (id, user, amount) VALUES (s.id, s.user, s.amount)")
    got = {r["id"]: (r["user"], r["amount"]) for r in rows(lake, "out.m")}
    assert got[1] == ("a", -1) and got[5] == ("w", 50)  # only amount updated on a match


class Spend(pa.DataFrameModel):
    id: int = pa.Field(unique=True)
    amount: int = pa.Field(le=25)

    class Config:
        name = "out.spend"


def test_output_is_validated_and_failing_rows_are_quarantined(lake: lk.Lake) -> None:
    r = lake.transform("out.spend", "SELECT id, amount FROM src.events", schema=Spend)
    assert (r.rows, r.quarantined) == (2, 1) and r.validation is not None
    assert sorted(lake.read("out.spend").column("id").to_pylist()) == [1, 2]
    q = lake.quarantine("out.spend")
    assert q.select(["id", "amount"]).to_pylist() == [{"id": 3, "amount": 30}]
    assert "amount" in q.column("_errors")[0].as_py()
    assert not r.validation.ok and lake.history("out.spend")[0].validation == "invalid (1 failing check(s))"


@pytest.mark.parametrize(("sql", "error", "names"), [
    ("SELECT id FROM src.nothing", TableNotFound, "src.nothing"),
    ("SELECT id, nope FROM src.events", SqlError, "nope"),
    ("SELECT id FROM src.events WHERE", SqlError, "parse"),
    ("SELECT e.id FROM src.events e JOIN src.people p ON e.missing = p.user", SqlError, "missing"),
])
def test_bad_sql_is_a_clear_error_and_leaves_the_lake_unchanged(lake: lk.Lake, tmp_path: Path, sql: str,
                                                                 error: type, names: str) -> None:
    lake.transform("out.kept", "SELECT id FROM src.events")
    before = snapshot(tmp_path / "lake")
    with pytest.raises(error, match=names):
        lake.transform("out.kept", sql)
    with pytest.raises(error, match=names):
        lake.transform("out.fresh", sql)
    assert snapshot(tmp_path / "lake") == before


def test_unknown_column_error_points_at_it(lake: lk.Lake) -> None:
    with pytest.raises(SqlError) as caught:
        lake.transform("out.x", "SELECT id,\n       nope\nFROM src.events")
    assert (caught.value.line, caught.value.col, caught.value.column) == (2, 8, "nope")


def test_cli_transform_and_run_transforms(lake: lk.Lake, tmp_path: Path) -> None:
    runner = CliRunner()
    sql = tmp_path / "q.sql"
    sql.write_text("SELECT id, amount FROM src.events")
    put(lake, "src.events", arrow.table({"id": [4], "user": ["c"], "amount": [1]}), mode="append")
    result = runner.invoke(app, ["transform", "out.cli", str(sql), "--version-of", "src.events=0",
                                 "--lake", lake.root, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["inputs"] == {"src.events": 0} and body["rows"] == 3
    result = runner.invoke(app, ["transform", "out.cli", str(sql), "--version-of", "src.events=0", "--lake", lake.root])
    assert result.exit_code == 0 and "skipped" in result.output
    assert runner.invoke(app, ["transform", "out.cli", str(sql), "--version-of", "nope", "--lake",
                               lake.root]).exit_code == 2
    sql.write_text("SELECT id FROM src.nothing")
    failed = runner.invoke(app, ["transform", "out.cli", str(sql), "--lake", lake.root])
    assert failed.exit_code == 1 and "unknown table 'src.nothing'" in failed.output

    project = tmp_path / "project"
    project.mkdir()
    (project / "out.first.sql").write_text("SELECT id, amount FROM src.events")
    (project / "out.second.sql").write_text("SELECT id FROM out.first WHERE amount > 5")
    result = runner.invoke(app, ["run-transforms", str(project), "--lake", lake.root, "--json"])
    assert result.exit_code == 0, result.output
    assert [f["target"] for f in json.loads(result.output)["files"]] == ["out.first", "out.second"]
    result = runner.invoke(app, ["run-transforms", str(project), "--select", "out.second", "--lake", lake.root])
    assert result.exit_code == 0 and "skipped" in result.output


@pytest.mark.parametrize(("dialect", "quoted"), [("snowflake", '"UserId"'), ("postgres", '"UserId"'),
                                                 ("bigquery", "`UserId`"), ("duckdb", '"USERID"')])
def test_mixed_case_columns_resolve_in_every_dialect_as_the_lake_runs_them(lake: lk.Lake, dialect: str,
                                                                           quoted: str) -> None:
    """Delta and DuckDB tell no column names apart by case, so neither does a transform's lineage,
    whatever a warehouse dialect would do with the same names."""
    write_deltalake(lake._storage.uri("raw.mixed"), arrow.table({"UserId": [1, 2], "Email": ["a", "b"]}))
    result = lake.transform("out.mixed", f"SELECT UserId, {quoted} AS again, Email AS mail FROM raw.mixed",
                            dialect=dialect)
    assert {(e.source_column, e.target_column) for e in result.edges} == {
        ("userid", "userid"), ("userid", "again"), ("email", "mail")}
    assert lake.read("out.mixed").to_pydict() == {"UserId": [1, 2], "again": [1, 2], "mail": ["a", "b"]}
