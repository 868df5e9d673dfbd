"""lakekit's index tables read back: every index has a schema, a missing one reads empty, nested values
are JSON text, a data table's rows are selected by its name, and a row lakekit writes is checked
against the table's Arrow schema, its required columns and its key (as its pandera model says)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lakekit as lk
from lakekit.errors import InternalError
from lakekit.index import metadata, schemas
from lakekit.write import indexes


def test_a_missing_index_reads_as_an_empty_table_of_its_schema(lake: lk.Lake) -> None:
    for name, schema in metadata.SCHEMAS.items():
        assert metadata.read(lake._storage, name).schema == schema
        assert name in metadata.LOOKUP_COLUMNS and metadata.LOOKUP_COLUMNS[name] in schema.names


def test_rows_keep_nested_values_as_json_and_read_back_by_table(lake: lk.Lake) -> None:
    row = {"table": "raw.a", "version": 0, "schema_name": "s.A", "schema_hash": "sha256:" + "0" * 64,
           "rows_checked": 1, "failures": [{"check": "gt", "column": "a"}], "ok": False,
           "validated_at": datetime.now(UTC)}
    indexes.append(lake._storage, "validations", metadata.rows("validations", [row, {**row, "table": "raw.b"}]))
    read = metadata.read(lake._storage, "validations", where=metadata.of_table("raw.b")).to_pylist()
    assert [r["table"] for r in read] == ["raw.b"]
    assert metadata.read(lake._storage, "validations", where=("table", ["raw.a", "raw.b"])).num_rows == 2
    for nothing in ((), ["it's'; --"], ["raw.c"]):
        found = metadata.read(lake._storage, "validations", where=("table", nothing))
        assert found.num_rows == 0 and found.schema == metadata.SCHEMAS["validations"]
    assert json.loads(read[0]["failures"]) == [{"check": "gt", "column": "a"}]
    assert isinstance(metadata.rows("validations", []), pa.Table)


def _models() -> dict[str, type]:
    return {m.Config.name.split(".", 1)[1]: m for m in vars(schemas).values()
            if isinstance(m, type) and m.__module__ == schemas.__name__ and hasattr(m, "Config")}


def test_the_arrow_declarations_say_what_the_pandera_models_say() -> None:
    models = _models()
    assert set(models) == set(metadata.SCHEMAS)
    for name, model in models.items():
        columns = model.to_schema().columns
        assert list(columns) == metadata.SCHEMAS[name].names, name
        assert {c for c, col in columns.items() if col.nullable} == set(metadata.NULLABLE.get(name, ())), name
        unique = [c for c, col in columns.items() if col.unique]
        assert unique == ([metadata.UNIQUE[name]] if name in metadata.UNIQUE else []), name
        json_text = {c for c, col in columns.items() if any(
            check.name == "str_matches" and check.statistics["pattern"] in (schemas.JSON_LIST, schemas.JSON_OBJECT)
            for check in col.checks)}
        assert json_text == set(metadata.JSON_TEXT.get(name, ())), name


def _validation(**changes: object) -> dict[str, object]:
    return {"table": "raw.a", "version": 0, "schema_name": "s.A", "schema_hash": "sha256:" + "0" * 64,
            "rows_checked": 1, "failures": [], "ok": True, "validated_at": datetime.now(UTC), **changes}


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(missing=st.sets(st.sampled_from(metadata.SCHEMAS["validations"].names), min_size=1))
def test_a_row_without_a_required_value_is_refused_and_nothing_is_written(lake: lk.Lake, missing: set[str]) -> None:
    bad = metadata.rows("validations", [_validation(), _validation(**dict.fromkeys(missing))])
    with pytest.raises(InternalError, match=r"malformed _lakekit\.validations row") as caught:
        indexes.append(lake._storage, "validations", bad)
    assert set(str(caught.value).split("(columns: ")[1].rstrip(")").split(", ")) == missing
    assert metadata.read(lake._storage, "validations").num_rows == 0


def test_a_row_of_other_columns_or_a_repeated_key_is_refused(lake: lk.Lake) -> None:
    row = metadata.rows("validations", [_validation()])
    with pytest.raises(InternalError, match=r"columns: surprise\)"):
        indexes.append(lake._storage, "validations", row.append_column("surprise", pa.array([1])))
    with pytest.raises(InternalError, match=r"columns: ok\)"):
        indexes.append(lake._storage, "validations", row.set_column(6, "ok", pa.array([[1]])))
    record = {"schema_id": "raw.a@x", "table": "raw.a", "schema_name": "s.A", "schema_hash": "sha256:" + "0" * 64,
              "definition": {}, "recorded_at": datetime.now(UTC)}
    with pytest.raises(InternalError, match=r"columns: schema_id\)"):
        indexes.check("schemas", [record, record])
    indexes.check("schemas", [record])
