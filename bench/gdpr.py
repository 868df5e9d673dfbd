"""GDPR costs against the raw work they cannot avoid, same engines, same run, contenders interleaved.

The lake: ``crm.people`` (1M rows by default) and ``crm.orders`` (as many, keyed by an identifying
``user_id``), each loaded over 100 versions, checkpointed every 10 versions. The subject holds three
accounts and their orders: two planted (loaded in versions 5 and 30 of ``crm.people``) and user 78, whose
generated address is the subject's (``user77@…``): a two-digit id, which lakekit follows through free
text only beside a column name of its kind.

1. ``lake.gdpr.find(email=…)`` ÷ **one scan of the distinct data files**: pyarrow reads the
   identifier columns of every data file of both tables once (a multi-file dataset scan, all cores)
   and filters them for the e-mail (ignoring case, as lakekit compares e-mail addresses), then the
   accounts' ids: what a hand-written search must do, with no versions mapped, no lineage, no free
   text, no audit row. Also shown: ÷ the same scan comparing the e-mail exactly.
2. ``lake.gdpr.erase(…)`` ÷ **that scan plus rewriting the affected files once** (read each file
   holding the subject, drop their rows, write it again with pyarrow; no log touched). Also shown:
   ÷ the rewrite alone, and how many commit files and checkpoints the erasure rewrote.

Contenders take turns (:func:`bench.compare.interleave`, the order reversed every other round) for
at least ``BENCH_ROUNDS`` (5) rounds; each erasure and rewrite works on a fresh copy of the lake
(copied before its clock starts). Figures are medians with the min-max beside them.
Run: ``.venv/bin/python -m bench.gdpr [ROWS] [ROUNDS]``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pyarrow
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from deltalake import DeltaTable

from bench.compare import ROUNDS, interleave, ratio_line
from lakekit import Lake
from lakekit.gdpr import ErasureReport

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


def _none(_: object) -> None:
    """A contender timed from the outside (:func:`bench.compare.interleave` takes a number for its seconds)."""


def _fresh(base: Path, name: str) -> Path:
    """A copy of the built lake for one contender's round (not timed)."""
    target = base / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base / "built", target)
    return target


@contextmanager
def built() -> Iterator[tuple[Path, int]]:
    """A temporary folder holding the bench's lake under ``built/``; the people per table and the
    rounds come from the command line (``[rows] [rounds]``)."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = max(ROUNDS, int(sys.argv[2])) if len(sys.argv) > 2 else ROUNDS
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "data").mkdir()
        started = time.perf_counter()
        _build(base / "built", base / "data", rows)
        print(f"lake: {rows:,} people and {rows:,} orders over {VERSIONS} versions each, checkpoint every "
              f"{CHECKPOINT_EVERY} ({time.perf_counter() - started:.0f} s to build); {rounds} rounds")
        yield base, rounds


def main() -> None:
    with built() as (base, rounds):
        mine, theirs = _fresh(base, "lake"), _fresh(base, "raw")
        lake = Lake(mine, schemas="bench.gdpr")
        finds = interleave({"find": lambda _: _none(lake.gdpr.find(email=SUBJECT)),
                            "scan": lambda _: _none(_scan(theirs)),
                            "scan, e-mail compared exactly": lambda _: _none(_scan(theirs, exact=True))}, rounds)
        print(ratio_line("find ÷ one scan of the distinct data files", finds["find"], {"scan": finds["scan"]},
                         target=1.5))
        print(ratio_line("find ÷ that scan comparing the e-mail exactly", finds["find"],
                         {"exact scan": finds["scan, e-mail compared exactly"]}))
        reports: list[ErasureReport] = []

        def erase(_: int) -> float:
            erasing = Lake(_fresh(base, "lake"), schemas="bench.gdpr")
            t0 = time.perf_counter()
            reports.append(erasing.gdpr.erase(email=SUBJECT, reason="bench"))
            return time.perf_counter() - t0

        def rewrite(_: int) -> float:
            raw = _fresh(base, "raw")
            t0 = time.perf_counter()
            _rewrite(_scan(raw))
            return time.perf_counter() - t0

        def rewrite_alone(_: int) -> float:
            held = _scan(_fresh(base, "raw"))
            t0 = time.perf_counter()
            _rewrite(held)
            return time.perf_counter() - t0

        erases = interleave({"erase": erase, "rewrite": rewrite, "rewrite alone": rewrite_alone}, rounds)
        print(ratio_line("erase ÷ that scan + rewriting the affected files once", erases["erase"],
                         {"scan + rewrite": erases["rewrite"]}, target=2))
        print(ratio_line("erase ÷ rewriting the affected files alone", erases["erase"],
                         {"rewrite": erases["rewrite alone"]}))
        assert reports and all(r.verified for r in reports)
        report = reports[-1]
        print(f"  erase rewrote {sum(t.files_rewritten for t in report.tables)} data file(s), "
              f"{sum(t.commits_rewritten for t in report.tables)} commit file(s) and "
              f"{sum(t.checkpoints_rewritten for t in report.tables)} checkpoint(s) over "
              f"{len(report.tables)} table(s); every version stays readable")


if __name__ == "__main__":
    main()
