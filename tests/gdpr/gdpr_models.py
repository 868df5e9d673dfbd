"""Schemas of the GDPR tests' tables (``Lake(..., schemas="tests.gdpr.gdpr_models")``)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


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


# --- the shop of test_gdpr_everywhere.py: a subject planted in every kind of place -------------


class Customers(pa.DataFrameModel):
    customer_id: int = pa.Field(unique=True, metadata={"pii": "customer_id"})
    email: str = pa.Field(metadata={"pii": "email"})
    ip: str = pa.Field(metadata={"pii": "ip", "identifying": False})  # shared by a campus: never followed
    country: str

    class Config:
        name = "shop.customers"


class ShopOrders(pa.DataFrameModel):
    order_id: int = pa.Field(unique=True)
    customer_id: int = pa.Field(metadata={"pii": "customer_id", "identifying": True})
    amount: float

    class Config:
        name = "shop.orders"


class Devices(pa.DataFrameModel):
    """Neither column is unique; both identify a person, so both are followed."""

    device_id: str = pa.Field(metadata={"pii": "device_id", "identifying": True})
    customer_id: int = pa.Field(metadata={"pii": "customer_id", "identifying": True})

    class Config:
        name = "shop.devices"


class Sessions(pa.DataFrameModel):
    session_id: int
    device_id: str = pa.Field(metadata={"pii": "device_id"})
    minutes: int

    class Config:
        name = "shop.sessions"


class Events(pa.DataFrameModel):
    event_id: int
    message: str = pa.Field(metadata={"pii": "text"})  # a mention is replaced, the row stays

    class Config:
        name = "shop.events"


class Notes(pa.DataFrameModel):
    note_id: int
    note: str = pa.Field(metadata={"pii": "text", "on_erase": "row"})  # a row mentioning the subject goes

    class Config:
        name = "shop.notes"


class RawEvents(pa.DataFrameModel):
    raw_id: int
    payload: str = pa.Field(metadata={"pii": "text"})  # JSON

    class Config:
        name = "shop.raw_events"


class Activity(pa.DataFrameModel):
    """A feature view's table (test_gdpr.py: a training set built from it, then a subject erased)."""

    user_id: int = pa.Field(metadata={"pii": "user_id", "identifying": True})
    at: pl.Datetime
    clicks_7d: int

    class Config:
        name = "f.activity"


class Labels(pa.DataFrameModel):
    user_id: int = pa.Field(metadata={"pii": "user_id", "identifying": True})
    labelled_at: pl.Datetime
    is_seeker: bool

    class Config:
        name = "l.labels"
