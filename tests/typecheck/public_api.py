"""Calls the type checker must refuse (each ``type: ignore`` is an error mypy has to find: with
``warn_unused_ignores`` an ignore that matches nothing fails ``make lint``) and calls it must accept.

Never run, only checked: ``make lint`` runs mypy over this file.
"""

from __future__ import annotations

import pyarrow as pa

import lakekit as lk


def _refused(lake: lk.Lake, run: lk.Run) -> None:
    lake.ingest("raw.t", "a.csv", keys=["id"])  # type: ignore[call-overload]  # keys= without mode="merge"
    lake.ingest("raw.t", "a.csv", mode="append", keys=["id"])  # type: ignore[call-overload]
    lake.ingest("raw.t", "a.csv", mode="merge")  # type: ignore[call-overload]  # merge without keys=
    lake.ingest("raw.t", "a.csv", "csv")  # type: ignore[call-overload]  # options are keyword-only
    lake.ingest("raw.t", "a.csv", mode="upsert")  # type: ignore[call-overload]  # not a write mode
    lake.transform("a.b", "SELECT 1", "duckdb")  # type: ignore[call-overload]  # options are keyword-only
    run.write("a.b", pa.table({"x": [1]}), "append")  # type: ignore[call-arg]


def _accepted(lake: lk.Lake) -> None:
    lake.ingest("raw.t", "a.csv", mode="merge", keys=["id"])
    lake.ingest("raw.t", ["a.csv", "b.csv"], mode="overwrite", metadata={"vendor": "acme"})
    lake.read("raw.t", 0, columns=["id"])
    explained: lk.Explained = lake.transform("a.b", "SELECT 1", explain=True)
    shown: lk.Explained = lake.sql("SELECT 1", explain=True)
    rows: pa.Table = lake.sql("SELECT 1")
    assert explained.inputs == shown.inputs and rows.num_rows == 1
    entry: lk.HistoryEntry = lake.history("raw.t")[0]
    assert isinstance(entry, lk.Result)
