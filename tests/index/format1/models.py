"""The schema the format-1 fixture lake was written with (``generate.py``)."""

from __future__ import annotations

import pandera.polars as pa


class People(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r"^[^@\s]+@[^@\s]+$", metadata={"pii": "email"})
    country: str

    class Config:
        name = "raw.people"
