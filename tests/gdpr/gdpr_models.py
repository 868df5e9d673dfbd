"""Schemas of the GDPR tests' tables (``Lake(..., schemas="tests.gdpr.gdpr_models")``)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl  # noqa: F401  (pandera resolves annotations in module globals)


class People(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(metadata={"pii": "email"})
    name: str = pa.Field(metadata={"pii": "name"})
    ip: str = pa.Field(metadata={"pii": "ip"})
    country: str

    class Config:
        name = "crm.people"


class Orders(pa.DataFrameModel):
    order_id: int = pa.Field(unique=True)
    user_id: int = pa.Field(metadata={"pii": "user_id"})
    amount: float = pa.Field(ge=0)

    class Config:
        name = "crm.orders"


class Blocklist(pa.DataFrameModel):
    ip: str = pa.Field(metadata={"pii": "ip"})
    reason: str

    class Config:
        name = "crm.blocklist"
