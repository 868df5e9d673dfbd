"""Schemas of the example's derived tables (written by transforms and model runs).

PII tags here name the same identifier kinds as the raw tables', so a subject found in
``raw.users`` is found again where lineage carried their identifiers.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from .raw import EMAIL


class CleanUsers(pa.DataFrameModel):
    """Users after de-spamming: one row per account."""

    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=EMAIL, metadata={"pii": "email"})
    full_name: str = pa.Field(metadata={"pii": "name"})
    birth_year: int = pa.Field(nullable=True, ge=1900, le=2012)
    country: str
    city: str = pa.Field(nullable=True)
    signup_ip: str = pa.Field(metadata={"pii": "ip"})
    signup_ts: pl.Datetime = pa.Field(coerce=True)

    class Config:
        name = "clean.users"


class ActivityFeatures(pa.DataFrameModel):
    """Activity per account, summed over days."""

    user_id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
    sessions: int = pa.Field(ge=0)
    messages_sent: int = pa.Field(ge=0)
    profile_views: int = pa.Field(ge=0)
    applied_jobs: int = pa.Field(ge=0)
    device: str
    region: str

    class Config:
        name = "features.activity"


class Persons(pa.DataFrameModel):
    """People after the ID-merge model: one row per person, keyed by their earliest account."""

    person_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    accounts: int = pa.Field(ge=1)
    birth_year: int = pa.Field(nullable=True, ge=1900, le=2012)
    country: str

    class Config:
        name = "clean.persons"


class PersonFeatures(pa.DataFrameModel):
    """The job-seeker model's rows: features of a person and, where labelled, the label."""

    person_id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
    country: str
    age: int = pa.Field(nullable=True, ge=10, le=130)
    accounts: int = pa.Field(ge=1)
    sessions: int = pa.Field(ge=0)
    applied_jobs: int = pa.Field(ge=0)
    region: str
    is_seeker: bool = pa.Field(nullable=True)

    class Config:
        name = "features.persons"
