"""lakekit's index tables read back: every index has a schema, a missing one reads empty, nested values
are JSON text, and a data table's rows are selected by its name."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa

import lakekit as lk
from lakekit.index import metadata
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
    read = metadata.read(lake._storage, "validations", filter=metadata.of_table("raw.b")).to_pylist()
    assert [r["table"] for r in read] == ["raw.b"]
    assert json.loads(read[0]["failures"]) == [{"check": "gt", "column": "a"}]
    assert isinstance(metadata.rows("validations", []), pa.Table)
