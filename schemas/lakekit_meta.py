"""Schemas of lakekit's own metadata tables under ``<root>/_lakekit/``.

lakekit validates its metadata writes with these, as it validates any table. They are strict:
a metadata row has exactly these columns. JSON columns are checked for their outer shape (a
list or an object); their inner fields are written by lakekit itself.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

JSON_LIST = r"^\[.*\]$"
JSON_OBJECT = r"^\{.*\}$"
TABLE = r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$"


class Loads(pa.DataFrameModel):
    """One row per load: which files went into which version of a table, by whom, from where."""

    table: str = pa.Field(str_matches=TABLE)
    load_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    version: int = pa.Field(ge=0)
    job: str
    mode: str = pa.Field(isin=["append", "overwrite", "merge"])
    files: str = pa.Field(str_matches=JSON_LIST)  # [{"uri", "size", "checksum"}, ...]
    rows: int = pa.Field(ge=0)
    quarantined: int = pa.Field(ge=0)
    metadata: str = pa.Field(str_matches=JSON_OBJECT)
    lakekit_version: str = pa.Field(str_length={"min_value": 1})
    git_commit: str = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{7,64}$")
    user: str
    host: str
    committed_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.loads"
        strict = True


class Validations(pa.DataFrameModel):
    """One row per validated table version: the schema (and its hash) it was checked against."""

    table: str = pa.Field(str_matches=TABLE)
    version: int = pa.Field(ge=0)
    schema_name: str = pa.Field(str_length={"min_value": 1})
    schema_hash: str = pa.Field(str_matches=r"^sha256:[0-9a-f]{64}$")
    rows_checked: int = pa.Field(ge=0)
    failures: str = pa.Field(str_matches=JSON_LIST)  # [{"column", "check", "count", "first_rows"}, ...]
    ok: bool
    validated_at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]

    class Config:
        name = "_lakekit.validations"
        strict = True
