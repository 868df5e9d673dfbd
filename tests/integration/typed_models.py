"""The schema of the Arrow-types test's table (``Lake(..., schemas="tests.integration.typed_models")``)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl  # noqa: F401  (pandera resolves annotations in module globals)


class Events(pa.DataFrameModel):
    id: int = pa.Field(unique=True, gt=0)
    email: str = pa.Field(metadata={"pii": "email"}, str_contains="@")
    kind: str = pa.Field(isin=["click", "view", "buy"])
    amount: float = pa.Field(ge=0)

    class Config:
        name = "typed.events"
