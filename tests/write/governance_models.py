"""Schemas of the governance tests' table ``crm.people``: the first, and one replacing it."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl  # noqa: F401  (pandera resolves annotations in module globals)


class People(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r"^[^@]+@[^@]+$", metadata={"pii": "email"})
    country: str = pa.Field(isin=["DE", "FR"])

    class Config:
        name = "crm.people"


class PeopleWithoutEmailTag(pa.DataFrameModel):
    """People, its e-mail no longer tagged (and its country tagged as a place)."""

    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r"^[^@]+@[^@]+$")
    country: str = pa.Field(isin=["DE", "FR"], metadata={"pii": "country"})

    class Config:
        name = "crm.people"
