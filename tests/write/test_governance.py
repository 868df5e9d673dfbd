"""The lake remembers its schemas: recorded with the writes they govern, used whatever catalog the
lake is opened with, never silently replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pyarrow as arrow
import pytest
from deltalake import DeltaTable

import lakekit as lk
from lakekit.errors import LakekitError, SchemaChanged, UsageError
from lakekit.index import metadata
from lakekit.write.governance import PII_KEY
from tests.write.governance_models import People, PeopleWithoutEmailTag


class PeopleEvenIds(pa.DataFrameModel):
    user_id: int = pa.Field(metadata={"pii": "user_id"})
    email: str = pa.Field(metadata={"pii": "email"})
    country: str

    @pa.check("user_id", name="even_ids")
    def even(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) % 2 == 0)

    class Config:
        name = "crm.people"


def _csv(folder: Path, name: str, rows: list[str]) -> str:
    path = folder / name
    path.write_text("user_id,email,country\n" + "".join(f"{r}\n" for r in rows))
    return str(path)


@pytest.fixture
def governed(tmp_path: Path) -> Path:
    """A lake whose crm.people was ingested under ``People`` (one row quarantined)."""
    root = tmp_path / "lake"
    lake = lk.Lake(root)
    r = lake.ingest("crm.people", _csv(tmp_path, "a.csv", ["1,ann@example.com,DE", "2,not-an-email,FR"]),
                    schema=People)
    assert r.quarantined == 1
    return root


def _tags(root: Path) -> dict[str, str]:
    fields = DeltaTable(str(root / "crm" / "people")).schema().fields
    return {f.name: f.metadata[PII_KEY] for f in fields if f.metadata.get(PII_KEY)}


def test_a_governed_write_records_the_schema_and_the_pii_kinds_in_the_delta_schema(governed: Path) -> None:
    lake = lk.Lake(governed)
    schema = lake.schema("crm.people")
    assert schema is not None and schema.name == "tests.write.governance_models.People" and schema.version == 0
    assert schema.hash == lk.Lake(governed).history("crm.people")[0].provenance.schema_hash
    assert schema.pii == {"user_id": "user_id", "email": "email"}
    assert schema.definition["columns"]["country"]["checks"][0]["statistics"] == {"allowed_values": ["DE", "FR"]}
    assert _tags(governed) == {"user_id": "user_id", "email": "email"}
    rows = metadata.read(lake._storage, "schemas").to_pylist()
    assert [(r["table"], r["schema_hash"]) for r in rows] == [("crm.people", schema.hash)]


def test_gdpr_finds_the_subject_in_a_lake_reopened_without_any_schema(governed: Path) -> None:
    report = lk.Lake(governed).gdpr.find(email="ann@example.com")
    assert report.found and {h.table for h in report.tables} == {"crm.people"}
    assert lk.Lake(governed).gdpr.find(email="not-an-email").found  # the quarantined row too


def test_writes_and_validation_follow_the_recorded_schema_without_a_catalog(governed: Path, tmp_path: Path) -> None:
    lake = lk.Lake(governed)
    r = lake.ingest("crm.people", _csv(tmp_path, "b.csv", ["3,cy@example.com,XX", "1,dup@example.com,DE"]))
    assert r.validation is not None and r.quarantined == 2  # country not allowed; user_id 1 taken
    assert r.validation.schema_name == "tests.write.governance_models.People"
    report = lake.validate("crm.people", version=0)
    assert report.ok and report.schema_hash == lake.schema("crm.people").hash
    assert lake.history("crm.people")[-1].validation == "valid"


def test_a_differing_schema_is_refused_and_the_lake_left_as_it_was(governed: Path, tmp_path: Path) -> None:
    lake = lk.Lake(governed)
    before = len(lake.history("crm.people"))
    with pytest.raises(SchemaChanged, match=r"column 'country' PII tag none -> country; column 'email' PII tag "
                                            r"email -> none.*replace=True") as e:
        lake.ingest("crm.people", _csv(tmp_path, "b.csv", ["3,cy@example.com,DE"]), schema=PeopleWithoutEmailTag)
    assert len(str(e.value).splitlines()) == 1
    with pytest.raises(SchemaChanged):
        lake.set_schema("crm.people", PeopleWithoutEmailTag)
    assert len(lake.history("crm.people")) == before and _tags(governed)["email"] == "email"


def test_replace_records_the_change_as_a_commit_and_old_tags_still_count(governed: Path, tmp_path: Path) -> None:
    lake = lk.Lake(governed)
    old = lake.schema("crm.people")
    new = lake.set_schema("crm.people", PeopleWithoutEmailTag, replace=True)
    assert new.pii == {"user_id": "user_id", "country": "country"} and new.hash != old.hash
    latest = lake.history("crm.people")[0]
    assert isinstance(latest.provenance, lk.SchemaProvenance) and latest.provenance.replaces == old.hash
    assert latest.operation == "SET TBLPROPERTIES" and latest.validation == "valid"  # rows checked under it
    assert _tags(governed) == {"user_id": "user_id", "country": "country"}
    statistics = DeltaTable(str(governed / "crm" / "people")).metadata().configuration
    assert statistics["delta.dataSkippingStatsColumns"] == "_load_id"  # email stays out once it was
    assert lake.schema("crm.people", version=0).hash == old.hash
    assert lake.set_schema("crm.people", PeopleWithoutEmailTag) == new  # nothing to do: no new commit
    assert lake.history("crm.people")[0].version == latest.version
    lake.ingest("crm.people", _csv(tmp_path, "c.csv", ["5,eve@example.com,FR"]))
    assert lk.Lake(governed).gdpr.find(email="ann@example.com").found  # versions written under the old tags


def test_a_catalog_model_differing_from_the_record_is_refused_too(governed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "crm.py").write_text(
        "import pandera.polars as pa\n\n\nclass People(pa.DataFrameModel):\n    user_id: int\n    email: str\n"
        "    country: str\n\n    class Config:\n        name = 'crm.people'\n")
    lake = lk.Lake(governed, schemas=folder)
    with pytest.raises(SchemaChanged, match=r"crm\.People .* differs from .*People"):
        lake.ingest("crm.people", _csv(tmp_path, "b.csv", ["3,cy@example.com,DE"]))
    with pytest.raises(SchemaChanged):
        lake.validate("crm.people")
    assert lake.validate("crm.people", schema=People).ok  # an explicit schema is checked against, not recorded


def test_a_recorded_custom_check_refuses_to_run_without_its_code(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    lk.Lake(root).ingest("crm.people", _csv(tmp_path, "a.csv", ["2,ann@example.com,DE"]), schema=PeopleEvenIds)
    with pytest.raises(LakekitError, match="custom check 'even_ids' whose code is not in the lake"):
        lk.Lake(root).validate("crm.people")
    assert lk.Lake(root).gdpr.find(email="ann@example.com").found  # tags need no code
    assert lk.Lake(root).ingest("crm.people", _csv(tmp_path, "b.csv", ["4,bo@example.com,FR"]),
                                schema=PeopleEvenIds).rows == 1


def test_the_first_schema_of_an_ungoverned_table_tags_its_existing_columns(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    lake = lk.Lake(root)
    lake.ingest("crm.people", _csv(tmp_path, "a.csv", ["1,ann@example.com,DE"]))
    assert lake.schema("crm.people") is None and _tags(root) == {}
    lake.ingest("crm.people", _csv(tmp_path, "b.csv", ["2,bo@example.com,FR"]), schema=People)
    assert _tags(root) == {"user_id": "user_id", "email": "email"}
    assert lake.schema("crm.people", version=0) is None and lake.schema("crm.people").name.endswith(".People")
    statistics = DeltaTable(str(root / "crm" / "people")).metadata().configuration  # from now on, no min/max
    assert statistics["delta.dataSkippingStatsColumns"] == "country,_load_id"     # of the tagged columns


def test_transforms_and_run_outputs_record_their_target_schema(governed: Path) -> None:
    lake = lk.Lake(governed)

    class Emails(pa.DataFrameModel):
        email: str = pa.Field(metadata={"pii": "email"})

        class Config:
            name = "crm.emails"

    lake.transform("crm.emails", "SELECT email FROM crm.people", dialect="duckdb", schema=Emails)
    assert lake.schema("crm.emails").pii == {"email": "email"}
    assert json.loads(json.dumps(lake.schema("crm.emails").asdict()))["definition"]["table"] == "crm.emails"
    with lake.start_run("copy") as run:
        run.write("crm.people", arrow.table({"user_id": [7], "email": ["x@y.z"], "country": ["DE"]}))
    assert lake.history("crm.people")[0].provenance.schema_hash == lake.schema("crm.people").hash


def test_schema_of_a_missing_table_and_a_schema_from_nowhere_are_errors(governed: Path) -> None:
    lake = lk.Lake(governed)
    with pytest.raises(LakekitError, match=r"unknown table 'crm\.nope'"):
        lake.schema("crm.nope")
    with pytest.raises(UsageError, match=r"no schema for 'crm\.other'"):
        lake.set_schema("crm.other")
