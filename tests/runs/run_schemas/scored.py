"""A schema for a table a run writes (tests/runs/test_runs.py)."""

from __future__ import annotations

import pandera.polars as pa


class Scored(pa.DataFrameModel):
    score: float = pa.Field(ge=0)

    class Config:
        name = "scored.items"
