"""Schemas of the example's raw tables, as the source files arrive.

Timestamps read by Arrow's CSV and NDJSON readers come in seconds (milliseconds once in
polars) while Delta stores microseconds, so they are coerced before the dtype check. A JSON
array has no timestamp type and is read as text: its timestamps are checked as ISO 8601
strings and cast by a transform. Models are not strict, so the ``_load_id`` column lakekit
adds to every row passes.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"
IPV4 = r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$"


class Users(pa.DataFrameModel):
    """Accounts as signed up; one person may hold several."""

    user_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=EMAIL, metadata={"pii": "email"})
    full_name: str = pa.Field(str_length={"min_value": 1}, metadata={"pii": "name"})
    birth_year: int = pa.Field(nullable=True, ge=1900, le=2012)
    country: str = pa.Field(str_matches=r"^[A-Z]{2}$")
    city: str = pa.Field(nullable=True)
    signup_ip: str = pa.Field(str_matches=IPV4, metadata={"pii": "ip"})
    signup_ts: pl.Datetime = pa.Field(coerce=True)
    user_agent: str = pa.Field(nullable=True)
    referrer: str | None = pa.Field(nullable=True)  # arrived with users-part3; older files lack it

    class Config:
        name = "raw.users"


class SpamAccounts(pa.DataFrameModel):
    """Accounts people have checked and labelled; an account can be reported more than once."""

    user_id: int = pa.Field(gt=0, metadata={"pii": "user_id"})
    label: str = pa.Field(isin=["spam", "ham"])
    reported_at: pl.Datetime = pa.Field(coerce=True)
    source: str = pa.Field(isin=["moderator", "user_report", "honeypot", "support_ticket"])

    class Config:
        name = "raw.spam_accounts"


class SpamIps(pa.DataFrameModel):
    """A vendor's IP blacklist; a corrected delivery replaces the table, it is not appended."""

    ip: str = pa.Field(unique=True, str_matches=IPV4, metadata={"pii": "ip"})
    listed_at: pl.Date
    reason: str = pa.Field(isin=["spam_source", "botnet", "open_proxy", "signup_burst"])
    list_vendor: str = pa.Field(str_length={"min_value": 1})

    class Config:
        name = "raw.spam_ips"


class JobLabels(pa.DataFrameModel):
    """Human labels for the job-seeker model, for a subset of the accounts."""

    user_id: int = pa.Field(gt=0, metadata={"pii": "user_id"})
    is_seeker: bool
    labelled_at: str = pa.Field(str_matches=ISO_TIMESTAMP)
    labeller: str = pa.Field(str_length={"min_value": 1})

    class Config:
        name = "raw.job_labels"


class Activity(pa.DataFrameModel):
    """Daily usage per account; ``device`` and ``region`` are metadata for error slices."""

    user_id: int = pa.Field(gt=0, metadata={"pii": "user_id"})
    day: pl.Date
    sessions: int = pa.Field(ge=0)
    messages_sent: int = pa.Field(ge=0)
    profile_views: int = pa.Field(ge=0)
    applied_jobs: int = pa.Field(ge=0)
    device: str = pa.Field(isin=["android", "ios", "web", "api"])
    region: str

    class Config:
        name = "raw.activity"
        unique = ("user_id", "day")
