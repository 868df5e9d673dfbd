"""Validation speed: lakekit's Auditor against the same checks written by hand with polars.

5 million rows with not-null, range, regex (``str_matches``) and uniqueness checks, a few
hundred of them failing. Prints rows/second, lakekit ÷ hand-written polars (target ≤ 1.5),
and pandera's ``validate(lazy=True)`` ÷ hand-written polars for reference. All three start
from the same Arrow table in the same run; each figure is the best of a few runs.

Run: ``.venv/bin/python -m bench.validate [ROWS]``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import pandera.polars as pa
import polars as pl
import pyarrow
from pandera.errors import SchemaErrors

from lakekit.write.audit import Auditor

EMAIL = r"[a-z0-9._]+@[a-z0-9-]+\.[a-z]{2,}$"


class Users(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True)
    email: str = pa.Field(str_matches=EMAIL)
    age: int = pa.Field(ge=0, le=150)
    score: float = pa.Field(in_range={"min_value": 0.0, "max_value": 1.0})
    country: str = pa.Field()

    class Config:
        name = "bench.users"


def make_table(rows: int) -> pyarrow.Table:
    """Deterministic users; about one row in 10,000 breaks one of the checks."""
    i = pl.col("i")
    frame = pl.select(i=pl.int_range(rows, dtype=pl.Int64)).select(
        user_id=pl.when(i % 50_000 == 7).then(i - 1).otherwise(i),
        email=pl.when(i % 40_000 == 3)
        .then(pl.format("user{}-example.com", i))
        .otherwise(pl.format("user{}@example.com", i)),
        age=pl.when(i % 30_000 == 11)
        .then(None)
        .when(i % 25_000 == 5)
        .then(200)
        .otherwise((i.hash(1) % 151).cast(pl.Int64)),
        score=(i.hash(2) % 1_000_001).cast(pl.Float64) / 1_000_000.0,
        country=pl.lit("DE"),
    )
    table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
    return table.cast(
        pyarrow.schema(
            [(f.name, pyarrow.string() if f.type == pyarrow.large_string() else f.type) for f in table.schema]
        )
    )


def by_hand(table: pyarrow.Table) -> tuple[pyarrow.Table, pyarrow.Table]:
    """The same checks as one polars select, then the same split into valid and failing rows."""
    frame = pl.from_arrow(table, rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    mask = (
        frame.lazy()
        .select(
            pl.any_horizontal(
                pl.all().is_null(),
                pl.col("score").is_nan(),
                pl.col("user_id").is_first_distinct().not_(),
                pl.col("email").str.contains("^" + EMAIL).not_(),
                pl.col("age").is_between(0, 150).not_(),
                pl.col("score").is_between(0.0, 1.0).not_(),
            )
        )
        .collect()
        .to_series()
        .fill_null(False)
    )
    return table.filter(mask.not_().to_arrow()), table.filter(mask.to_arrow())


def with_lakekit(table: pyarrow.Table) -> tuple[pyarrow.Table, pyarrow.Table]:
    auditor = Auditor(Users)
    audited = auditor.audit(table)
    auditor.report()
    return audited.valid, audited.rejected


def streaming(table: pyarrow.Table, batch_rows: int) -> int:
    """The Auditor fed batch by batch, as an ingest streams a large file (uniqueness across batches)."""
    auditor = Auditor(Users)
    for _ in auditor.audit_stream(table.to_batches(max_chunksize=batch_rows)):
        pass
    return sum(f.count for f in auditor.report().failures)


def with_pandera(table: pyarrow.Table) -> int:
    frame = pl.from_arrow(table, rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    try:
        Users.validate(frame, lazy=True)
    except SchemaErrors as exc:
        return len(exc.failure_cases)
    return 0


def best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    table = make_table(rows)
    print(f"validate: {rows:,} rows, {table.nbytes / 2**20:.0f} MiB of Arrow, checks: not-null, range, regex, unique")
    hand_time, hand = best(lambda: by_hand(table), 5)
    lake_time, lake = best(lambda: with_lakekit(table), 5)
    pandera_time, _ = best(lambda: with_pandera(table), 2)
    stream_time, _ = best(lambda: streaming(table, 10_000), 2)
    assert isinstance(hand, tuple) and isinstance(lake, tuple)
    assert hand[0].num_rows == lake[0].num_rows and hand[1].num_rows == lake[1].num_rows, "verdicts differ"
    print(f"  rejected rows          {lake[1].num_rows:>10,}")
    print(f"  hand-written polars    {hand_time:8.3f} s")
    print(f"  lakekit Auditor        {lake_time:8.3f} s   {rows / lake_time:>12,.0f} rows/s")
    print(f"  pandera validate(lazy) {pandera_time:8.3f} s")
    print(f"  Auditor.audit_stream   {stream_time:8.3f} s   {rows / stream_time:>12,.0f} rows/s  (10,000-row batches)")
    print(f"  lakekit / polars       {lake_time / hand_time:8.2f}   (target <= 1.5)")
    print(f"  pandera / polars       {pandera_time / hand_time:8.2f}   (reference)")


if __name__ == "__main__":
    main()
