"""Write-audit-publish through ingest: policies, quarantine, table-wide uniqueness, history, re-validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pandera.polars as pa
import polars as pl
import pyarrow as arrow
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import FailedChecks, InternalError, SchemaDrift


class People(pa.DataFrameModel):
    id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r"^[^@]+@[^@]+$", metadata={"pii": "email"})
    age: int = pa.Field(ge=0, le=130, nullable=True)

    class Config:
        name = "raw.people"


class StrictPeople(People):
    class Config:
        name = "raw.people"
        metadata: ClassVar[dict[str, str]] = {"on_invalid": "fail"}


def csv(path: Path, rows: list[tuple[object, ...]]) -> str:
    lines = ["id,email,age"] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


GOOD = [(1, "ann@example.com", 30), (2, "bob@example.com", 41)]
MIXED = [(3, "cy@example.com", 22), (4, "not-an-email", 50), (5, "dee@example.com", 200), (1, "dup@example.com", 9)]


@pytest.fixture
def lake(tmp_path: Path) -> lk.Lake:
    return lk.Lake(tmp_path / "lake")


def test_quarantine_policy_commits_valid_rows_and_keeps_failing_rows_whole(lake: lk.Lake, tmp_path: Path) -> None:
    first = lake.ingest("raw.people", csv(tmp_path / "a.csv", GOOD), schema=People)
    assert first.validation is not None and first.validation.ok and first.quarantined == 0
    second = lake.ingest("raw.people", csv(tmp_path / "b.csv", MIXED), schema=People)
    assert (second.rows, second.quarantined) == (1, 3)
    assert sorted(lake.read("raw.people").column("id").to_pylist()) == [1, 2, 3]
    q = lake.quarantine("raw.people")
    assert sorted(q.select(["id", "email", "age"]).to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "email": "dup@example.com", "age": 9},
        {"id": 4, "email": "not-an-email", "age": 50},
        {"id": 5, "email": "dee@example.com", "age": 200},
    ]
    assert set(q.column("_load_id").to_pylist()) == {second.load_id}
    assert set(q.column("_source").to_pylist()) == {str(tmp_path / "b.csv")}
    errors = {r["id"]: json.loads(r["_errors"]) for r in q.to_pylist()}
    assert errors[1] == [{"check": "field_uniqueness", "column": "id"}]
    assert errors[4][0]["column"] == "email" and errors[5][0]["column"] == "age"
    failures = {(f.column, f.check): f for f in second.validation.failures}
    assert failures[("id", "field_uniqueness")].first_rows == (3,)


def test_quarantine_round_trips_types_exactly(lake: lk.Lake, tmp_path: Path) -> None:
    rows = arrow.table({
        "id": arrow.array([1, 2], arrow.int64()),
        "email": ["bad", "ok@x.org"],
        "age": arrow.array([None, 5], arrow.int64()),
        "seen": arrow.array([1_700_000_000_123_456, None], arrow.timestamp("us", tz="UTC")),
        "score": arrow.array([0.1 + 0.2, None], arrow.float64()),
    })
    pq.write_table(rows, tmp_path / "a.parquet")
    lake.ingest("raw.people", str(tmp_path / "a.parquet"), schema=People)
    q = lake.quarantine("raw.people")
    assert q.select(rows.column_names).to_pylist() == rows.slice(0, 1).to_pylist()
    assert q.schema.field("seen").type == arrow.timestamp("us", tz="UTC")


def test_fail_policy_commits_nothing_and_names_the_failures(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.people", csv(tmp_path / "a.csv", GOOD), schema=StrictPeople)
    with pytest.raises(FailedChecks) as info:
        lake.ingest("raw.people", csv(tmp_path / "b.csv", MIXED), schema=StrictPeople)
    message = str(info.value)
    assert "'email'" in message and "not-an-email" not in message and "dee@" not in message
    assert [e.version for e in lake.history("raw.people")] == [0]
    assert lake.ingest("raw.people", csv(tmp_path / "c.csv", [(7, "g@h.i", 1)]), schema=StrictPeople).version == 1


def test_warn_policy_commits_everything_and_records_failures(lake: lk.Lake, tmp_path: Path) -> None:
    r = lake.ingest("raw.people", csv(tmp_path / "b.csv", MIXED), schema=People, on_invalid="warn")
    assert (r.rows, r.quarantined) == (4, 0) and not r.validation.ok
    assert lake.history("raw.people")[0].validation.startswith("invalid")


def test_uniqueness_holds_across_an_append(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.people", csv(tmp_path / "a.csv", GOOD), schema=People)
    r = lake.ingest("raw.people", csv(tmp_path / "b.csv", [(2, "b2@example.com", 3), (9, "z@example.com", 4)]),
                    schema=People)
    assert r.quarantined == 1
    assert sorted(lake.read("raw.people").column("id").to_pylist()) == [1, 2, 9]


def test_drift_is_refused_before_anything_is_written(lake: lk.Lake, tmp_path: Path) -> None:
    (tmp_path / "drift.csv").write_text("id,mail\n1,a@b\n")
    with pytest.raises(SchemaDrift, match="'email'"):
        lake.ingest("raw.people", str(tmp_path / "drift.csv"), schema=People)
    assert lake.tables() == []


def test_history_shows_status_and_old_versions_revalidate_under_new_rules(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.people", csv(tmp_path / "a.csv", GOOD), schema=People)
    lake.ingest("raw.other", csv(tmp_path / "o.csv", GOOD))
    assert lake.history("raw.people")[0].validation == "valid"
    assert lake.history("raw.other")[0].validation == "unvalidated"

    class Stricter(People):
        age: int = pa.Field(ge=35, le=130, nullable=True)

        class Config:
            name = "raw.people"

    report = lake.validate("raw.people", version=0, schema=Stricter)
    assert not report.ok and report.failures[0].column == "age" and report.failures[0].count == 1
    assert lake.history("raw.people")[0].validation.startswith("invalid")
    assert lake.validate("raw.people", version=0, schema=People).ok


def test_pii_columns_carry_no_statistics_in_the_log(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.people", csv(tmp_path / "b.csv", MIXED), schema=People)
    for folder in ("raw/people", "_lakekit/quarantine__raw__people"):
        log = "".join(p.read_text() for p in (Path(lake._storage.root) / folder / "_delta_log").glob("*.json"))
        assert "@example.com" not in log and "not-an-email" not in log, folder
        stats = [json.loads(json.loads(line)["add"]["stats"]) for line in log.splitlines() if '"add"' in line]
        assert stats and all("email" not in s["minValues"] and "id" not in s["minValues"] for s in stats)


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("schemas", "name"), [("schemas", "schemas.raw.Users"), (REPO / "schemas", "raw.Users")])
def test_schema_found_by_table_name_in_the_catalog_by_package_or_folder(tmp_path: Path, schemas: str | Path,
                                                                        name: str) -> None:
    users = "user_id,email,full_name,birth_year,country,city,signup_ip,signup_ts,user_agent\n" \
            "1,a@example.com,Ann,1990,DE,Berlin,10.0.0.1,2024-01-01T00:00:00,x\n" \
            "2,bad-email,Bob,1991,DE,Berlin,10.0.0.2,2024-01-01T00:00:00,x\n"
    (tmp_path / "u.csv").write_text(users)
    r = lk.Lake(tmp_path / "lake", schemas=schemas).ingest("raw.users", str(tmp_path / "u.csv"))
    assert r.validation is not None and r.validation.schema_name == name and r.quarantined == 1


def test_a_lake_without_a_catalog_validates_nothing_it_was_not_told_to(tmp_path: Path) -> None:
    (tmp_path / "u.csv").write_text("user_id,name\n1,Ann\n")  # raw.users of the user's own, not the example's
    r = lk.Lake(tmp_path / "lake").ingest("raw.users", str(tmp_path / "u.csv"))
    assert r.validation is None and r.rows == 1


def test_metadata_schema_rejects_a_malformed_row(lake: lk.Lake) -> None:
    from lakekit.index import metadata
    from lakekit.write import indexes

    bad = metadata.rows("loads", [{"table": "raw.a", "load_id": "x", "version": 0, "job": "j",
                                   "mode": "append", "files": "[]", "rows": 0, "quarantined": 0,
                                   "metadata": "{}", "lakekit_version": "0", "user": "u", "host": "h"}])
    with pytest.raises(InternalError, match=r"malformed _lakekit\.loads row \(columns: committed_at\)") as caught:
        indexes.append(lake._storage, "loads", bad)
    assert not isinstance(caught.value, lk.LakekitError)  # lakekit's own bad row is a bug, not the caller's fault


def test_cli_validate_and_quarantine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "u.csv").write_text(
        "user_id,email,full_name,birth_year,country,city,signup_ip,signup_ts,user_agent\n"
        "1,a@example.com,Ann,1990,DE,Berlin,10.0.0.1,2024-01-01T00:00:00,x\n"
        "2,bad-email,Bob,1991,DE,Berlin,10.0.0.2,2024-01-01T00:00:00,x\n")
    (tmp_path / "lakekit.toml").write_text(f'schemas = "{REPO / "schemas"}"\n')
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "raw.users", "u.csv", "--create"]).exit_code == 0
    result = runner.invoke(app, ["quarantine", "raw.users", "--json"])
    assert result.exit_code == 0 and [r["user_id"] for r in json.loads(result.stdout)] == [2]
    result = runner.invoke(app, ["validate", "raw.users", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"]
    history = json.loads(runner.invoke(app, ["history", "raw.users", "--json"]).stdout)
    assert history[0]["validation"] == "valid"
    assert runner.invoke(app, ["validate", "raw.nope"]).exit_code == 1
    frame = pl.from_arrow(lk.Lake("lake").read("raw.users"))
    assert frame["user_id"].to_list() == [1]


def test_a_lost_verdict_is_said_and_validate_redoes_it(lake: lk.Lake, tmp_path: Path) -> None:
    import shutil

    lake.ingest("raw.people", csv(tmp_path / "a.csv", GOOD), schema=People)
    lake.ingest("raw.plain", csv(tmp_path / "p.csv", GOOD))
    shutil.rmtree(Path(lake._storage.root) / "_lakekit" / "validations")  # as if the process died after the commit
    assert lake.history("raw.people")[0].validation == "verdict not recorded"
    assert lake.history("raw.plain")[0].validation == "unvalidated"
    assert lake.validate("raw.people", schema=People).ok
    assert lake.history("raw.people")[0].validation == "valid"


class Accounts(pa.DataFrameModel):
    id: int = pa.Field(unique=True)
    email: str = pa.Field(unique=True)
    age: int = pa.Field(nullable=True)

    class Config:
        name = "raw.accounts"


def test_a_merge_keeps_unique_columns_unique_across_the_table(lake: lk.Lake, tmp_path: Path) -> None:
    lake.ingest("raw.accounts", csv(tmp_path / "a.csv", [*GOOD, (3, "cy@example.com", 22)]), schema=Accounts)
    merged = lake.ingest("raw.accounts", csv(tmp_path / "b.csv", [
        (1, "ann@example.com", 31),   # updates itself, keeps its e-mail
        (2, "bobby@example.com", 42),  # takes a free e-mail
        (4, "cy@example.com", 5),     # a new key taking id 3's e-mail: refused
        (5, "ann@example.com", 6),    # a new key taking id 1's e-mail: refused
        (6, "new@example.com", 7),
        (7, "new@example.com", 8),    # the load's own duplicate: refused
    ]), mode="merge", keys=["id"], schema=Accounts)
    assert (merged.rows, merged.quarantined) == (3, 3)
    rows = {r["id"]: (r["email"], r["age"]) for r in lake.read("raw.accounts").to_pylist()}
    assert rows == {1: ("ann@example.com", 31), 2: ("bobby@example.com", 42), 3: ("cy@example.com", 22),
                    6: ("new@example.com", 7)}
    assert sorted(lake.quarantine("raw.accounts").column("id").to_pylist()) == [4, 5, 7]
    table = lake.read("raw.accounts")
    assert len(set(table.column("email").to_pylist())) == table.num_rows
