"""GDPR costs against the raw work they cannot avoid, same engines, same run, contenders interleaved.

The lake: ``crm.people`` (1M rows by default) and ``crm.orders`` (as many, keyed by an identifying
``user_id``), each loaded over 100 versions, checkpointed every 10 versions. The subject holds two
accounts (loaded in versions 5 and 30 of ``crm.people``) and their orders.

1. ``lake.gdpr.find(email=…)`` ÷ **one scan of the distinct data files**: pyarrow reads the
   identifier columns of every data file of both tables once (a multi-file dataset scan, all cores)
   and filters them for the e-mail (ignoring case, as lakekit compares e-mail addresses), then the
   accounts' ids: what a hand-written search must do, with no versions mapped, no lineage, no free
   text, no audit row. Also shown: ÷ the same scan comparing the e-mail exactly.
2. ``lake.gdpr.erase(…)`` ÷ **that scan plus rewriting the affected files once** (read each file
   holding the subject, drop their rows, write it again with pyarrow; no log touched). Also shown:
   ÷ the rewrite alone, and how many commit files and checkpoints the erasure rewrote.

Each round runs on fresh copies of the lake, the contenders in alternating order; the figures are
the median and the range over the rounds. Run: ``.venv/bin/python -m bench.gdpr [ROWS] [ROUNDS]``.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
import pyarrow
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from deltalake import DeltaTable

from lakekit import Lake

SUBJECT = "user77@example.com"
VERSIONS = 100
CHECKPOINT_EVERY = 10
WARM = "user1@example.com"
"""Somebody else found once while the lake is built: the audit trail exists, as in a lake in use."""


class People(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
    email: str = pa.Field(metadata={"pii": "email"})
    country: str

    class Config:
        name = "crm.people"


class Orders(pa.DataFrameModel):
    order_id: int = pa.Field(unique=True)
    user_id: int = pa.Field(metadata={"pii": "user_id", "identifying": True})
    amount: float

    class Config:
        name = "crm.orders"


def _build(root: Path, data: Path, rows: int) -> None:
    lake = Lake(root, schemas="bench.gdpr")
    step = rows // VERSIONS
    subject_ids = {5 * step + 7, 30 * step + 11}
    i = pl.col("i")
    people = pl.select(i=pl.int_range(rows, dtype=pl.Int64)).select(
        user_id=i + 1,
        email=pl.when((i + 1).is_in(list(subject_ids))).then(pl.lit(SUBJECT))
        .otherwise(pl.format("user{}@example.com", i)),
        country=pl.lit("SE"))
    orders = pl.select(i=pl.int_range(rows, dtype=pl.Int64)).select(
        order_id=i, user_id=(i * 7919) % rows + 1, amount=(i % 100).cast(pl.Float64))
    for name, frame in (("people", people), ("orders", orders)):
        for k in range(VERSIONS):
            path = data / f"{name}-{k}.parquet"
            frame.slice(k * step, step).write_parquet(path)
            lake.ingest(f"crm.{name}", str(path))
            if (k + 1) % CHECKPOINT_EVERY == 0:
                DeltaTable(lake._storage.uri(f"crm.{name}")).create_checkpoint()
    lake.gdpr.find(email=WARM)


def _files(root: Path, table: str) -> list[str]:
    """The distinct data files of every version (every file the folder holds: none is orphaned here)."""
    return sorted(str(p) for p in (root / table).glob("*.parquet"))


def _scan(root: Path, *, exact: bool = False) -> dict[str, list[str]]:
    """One scan of the distinct data files: the subject's e-mail, then their accounts' orders; returns
    the files holding them."""
    people = pads.dataset(_files(root, "crm/people"), format="parquet")
    email = pc.field("email") if exact else pc.ascii_lower(pc.field("email"))
    found = people.to_table(columns=["user_id", "email", "__filename"], filter=email == SUBJECT)
    ids = found.column("user_id").to_pylist()
    orders = pads.dataset(_files(root, "crm/orders"), format="parquet")
    held = orders.to_table(columns=["user_id", "__filename"], filter=pc.field("user_id").isin(ids))
    return {"people": sorted(set(found.column("__filename").to_pylist())),
            "orders": sorted(set(held.column("__filename").to_pylist())), "ids": ids}


def _rewrite(held: dict[str, list[str]]) -> None:
    """Rewrite each affected file once without the subject's rows."""
    ids = pyarrow.array(held["ids"], pyarrow.int64())
    for key in ("people", "orders"):
        for path in held[key]:
            rows = pq.read_table(path)
            pq.write_table(rows.filter(pc.invert(pc.is_in(rows.column("user_id"), ids))), f"{path}.rewritten")


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _figure(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (range {min(values):.2f}-{max(values):.2f})"


def _round(base: Path, n: int) -> dict[str, Any]:
    """One round on fresh copies of the lake, the contenders in an order that alternates by round."""
    mine, theirs = base / f"lake{n}", base / f"raw{n}"
    shutil.copytree(base / "built", mine)
    shutil.copytree(base / "built", theirs)
    lake = Lake(mine, schemas="bench.gdpr")
    held: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    finds = {"find": lambda: lake.gdpr.find(email=SUBJECT), "scan": lambda: held.update(_scan(theirs)),
             "exact": lambda: _scan(theirs, exact=True)}
    for name in sorted(finds, reverse=n % 2 == 1):
        out[name] = _timed(finds[name])
    out["raw"] = _timed(lambda: _rewrite(held))
    erases = {"erase": lambda: out.update(report=lake.gdpr.erase(email=SUBJECT, reason="bench")),
              "rewrite": lambda: _rewrite(_scan(theirs))}
    for name in sorted(erases, reverse=n % 2 == 1):
        out[name] = _timed(erases[name])
    shutil.rmtree(mine)
    shutil.rmtree(theirs)
    return out


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "data").mkdir()
        started = time.perf_counter()
        _build(base / "built", base / "data", rows)
        print(f"lake: {rows:,} people and {rows:,} orders over {VERSIONS} versions each, checkpoint every "
              f"{CHECKPOINT_EVERY} ({time.perf_counter() - started:.0f} s to build)")
        rounds_done = [_round(base, n) for n in range(rounds)]
        find, scan, exact, erase, raw, rewrite = ([r[k] for r in rounds_done]
                                                  for k in ("find", "scan", "exact", "erase", "raw", "rewrite"))
        report = rounds_done[-1]["report"]
        assert all(r["report"].verified for r in rounds_done)
        commits = sum(t.commits_rewritten for t in report.tables)
        checkpoints = sum(t.checkpoints_rewritten for t in report.tables)
        files = sum(t.files_rewritten for t in report.tables)
        print(f"find: {_figure(find)} s ÷ one scan of the distinct data files {_figure(scan)} s "
              f"= {_figure([a / b for a, b in zip(find, scan, strict=True)])}; ÷ that scan comparing the e-mail "
              f"exactly {_figure(exact)} s = {_figure([a / b for a, b in zip(find, exact, strict=True)])}")
        print(f"erase: {_figure(erase)} s ÷ that scan + rewriting the affected files once {_figure(rewrite)} s "
              f"= {_figure([a / b for a, b in zip(erase, rewrite, strict=True)])}; "
              f"÷ the rewrite alone {_figure(raw)} s = {_figure([a / b for a, b in zip(erase, raw, strict=True)])}")
        print(f"erase rewrote {files} data file(s), {commits} commit file(s) and {checkpoints} checkpoint(s) "
              f"(every version stays readable); {rounds} rounds, contenders alternating")


if __name__ == "__main__":
    main()
