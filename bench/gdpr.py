"""GDPR costs against the raw ways of doing the same with the same engines, in the same run.

A lake of ``ROWS`` people (4 loads, so 4 files and versions) and twice as many orders keyed by
user id (4 loads). The subject holds two accounts under one e-mail.

1. ``lake.gdpr.find(email=…)`` (every file of every version, identifiers followed through unique
   keys, versions and runs mapped) ÷ one DuckDB scan of the same Parquet files for the e-mail
   and then for the accounts' ids (what a hand-written search does; it sees no old versions
   mapping, no quarantine, no runs).
2. ``lake.gdpr.erase(…)`` (rewrite, remove the old files, verify) ÷ delta-rs ``delete`` on both
   tables by identifier then ``vacuum(0)`` (the raw Delta way: it logs the predicate, i.e. the
   e-mail, and removes every old file, not only the subject's).

Run: ``.venv/bin/python -m bench.gdpr [ROWS]`` (default 1,000,000).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl
from deltalake import DeltaTable

from lakekit import Lake

SUBJECT = "user77@example.com"


class People(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
    email: str = pa.Field(metadata={"pii": "email"})
    country: str

    class Config:
        name = "crm.people"


class Orders(pa.DataFrameModel):
    order_id: int = pa.Field(unique=True)
    user_id: int = pa.Field(metadata={"pii": "user_id"})
    amount: float

    class Config:
        name = "crm.orders"


def _lake(root: Path, data: Path, rows: int) -> Lake:
    lake = Lake(root, schemas="bench.gdpr")
    i = pl.col("i")
    people = pl.select(i=pl.int_range(rows, dtype=pl.Int64)).select(
        user_id=i + 1, email=pl.format("user{}@example.com", pl.when(i == rows - 1).then(77).otherwise(i)),
        country=pl.lit("SE"))
    orders = pl.select(i=pl.int_range(2 * rows, dtype=pl.Int64)).select(
        order_id=i, user_id=i % rows + 1, amount=(i % 100).cast(pl.Float64))
    for name, frame in (("people", people), ("orders", orders)):
        step = frame.height // 4
        for k in range(4):
            path = data / f"{name}-{k}.parquet"
            frame.slice(k * step, step if k < 3 else None).write_parquet(path)
            lake.ingest(f"crm.{name}", str(path))
    return lake


def _raw_find(root: Path) -> tuple[list[int], int]:
    con = duckdb.connect()
    people = f"read_parquet('{root}/crm/people/*.parquet')"
    orders = f"read_parquet('{root}/crm/orders/*.parquet')"
    ids = [r[0] for r in con.execute(f"SELECT user_id FROM {people} WHERE email = ?", [SUBJECT]).fetchall()]
    found = con.execute(f"SELECT count(*) FROM {orders} WHERE list_contains(?, user_id)", [ids]).fetchone()
    return ids, len(ids) + (found[0] if found else 0)


def _raw_erase(root: Path, ids: list[int]) -> None:
    people, orders = DeltaTable(f"{root}/crm/people"), DeltaTable(f"{root}/crm/orders")
    people.delete(f"email = '{SUBJECT}'")
    orders.delete(f"user_id IN ({', '.join(map(str, ids))})")
    for table in (people, orders):
        table.vacuum(0, enforce_retention_duration=False, dry_run=False)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "data").mkdir()
        lake = _lake(base / "lake", base / "data", rows)
        shutil.copytree(base / "lake", base / "raw")
        t0 = time.perf_counter()
        report = lake.gdpr.find(email=SUBJECT)
        find = time.perf_counter() - t0
        t0 = time.perf_counter()
        ids, raw_hits = _raw_find(base / "raw")
        raw_find = time.perf_counter() - t0
        rows_found = sum(h.rows for h in report.tables)
        print(f"find: {find:.2f} s ÷ DuckDB scan {raw_find:.2f} s = {find / raw_find:.1f} "
              f"({rows_found} rows found, raw scan {raw_hits}; {rows:,} people, {2 * rows:,} orders)")
        t0 = time.perf_counter()
        erased = lake.gdpr.erase(email=SUBJECT, reason="bench")
        erase = time.perf_counter() - t0
        t0 = time.perf_counter()
        _raw_erase(base / "raw", ids)
        raw_erase = time.perf_counter() - t0
        print(f"erase: {erase:.2f} s ÷ delta-rs delete + vacuum {raw_erase:.2f} s = {erase / raw_erase:.1f} "
              f"(verified {erased.verified}; rows removed {sum(t.rows_removed for t in erased.tables)})")


if __name__ == "__main__":
    main()
