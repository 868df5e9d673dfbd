"""The schema package of the fuzz suite's lakes (``lakekit.toml``: ``schemas = "fuzzschemas"``).

One governed table with personal-data tags, so GDPR commands have something to find; every
other table the fuzzer writes is ungoverned.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


class Users(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", metadata={"pii": "email"})
    full_name: str = pa.Field(str_length={"min_value": 1}, metadata={"pii": "name"})
    birth_year: int = pa.Field(nullable=True, ge=1900, le=2012)
    country: str = pa.Field(str_matches=r"^[A-Z]{2}$")
    city: str = pa.Field(nullable=True)
    signup_ip: str = pa.Field(metadata={"pii": "ip"})
    signup_ts: pl.Datetime = pa.Field(coerce=True)
    user_agent: str = pa.Field(nullable=True)

    class Config:
        name = "raw.users"
