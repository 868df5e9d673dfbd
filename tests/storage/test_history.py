"""Tests of :func:`lakekit.storage.history.rewrite_history` on real Delta tables (deltalake 1.x), read back
through delta-rs, polars and DuckDB. Crash tests kill a child process with SIGKILL at chosen steps or at
random times (every step, and most random times, only with ``-m slow``)."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from lakekit.storage import history
from lakekit.storage.history import stats as history_stats
from lakekit.storage.history import store as history_store

HERE = Path(__file__).resolve().parents[2]
"""The repository: children run from it, with ``tests.storage.test_history`` importable."""

SUBJECT = "subject@example.com"
PLACEHOLDER = "'<erased>'"
UTC = dt.UTC


# ---------------------------------------------------------------- building tables


def rows(ids, *, subject=(), country="de"):
    ids = list(ids)
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "email": [SUBJECT if i in subject else f"user{i}@example.com" for i in ids],
        "amount": pa.array([i * 1.5 for i in ids], pa.float64()),
        "ts": pa.array([dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=i) for i in ids],
                       pa.timestamp("us", "UTC")),
        "country": [country] * len(ids),
    })


def build_table(uri, config=None, partitioned=True, other="fr x"):
    """A history with the subject in several files, ending with a delete of the subject (as an erasure
    commits today): versions 0..9, checkpoint at 5."""
    cfg = {"delta.dataSkippingStatsColumns": "id,amount,ts", **(config or {})}
    write_deltalake(uri, rows(range(0, 10), subject={3}), partition_by=["country"] if partitioned else None,
                    configuration=cfg)                                                   # v0
    write_deltalake(uri, rows(range(10, 20), subject={12, 15}, country=other), mode="append")  # v1
    write_deltalake(uri, rows(range(20, 30)), mode="append")                             # v2
    write_deltalake(uri, rows(range(30, 33), subject={30, 31, 32}), mode="append")       # v3: only the subject
    DeltaTable(uri).delete("id = 5")                                                     # v4: rewrites v0's file
    DeltaTable(uri).create_checkpoint()
    write_deltalake(uri, rows(range(40, 45), subject={41}, country=other), mode="append")  # v5
    write_deltalake(uri, rows(range(50, 55)), mode="overwrite", predicate="country = 'de'")  # v6
    write_deltalake(uri, rows(range(60, 63)), mode="append")                             # v7
    DeltaTable(uri).delete(f"email = '{SUBJECT}'")                                       # v8: the erasure
    write_deltalake(uri, rows(range(70, 72)), mode="append")                             # v9


def scrub(info):
    """The caller's commitInfo rewrite: the subject's address in a predicate becomes a placeholder."""
    params = info.get("operationParameters") or {}
    if SUBJECT in str(params.get("predicate", "")):
        params["predicate"] = params["predicate"].replace(f"'{SUBJECT}'", PLACEHOLDER)
    return info


def ever_files(uri):
    """Every data file some readable version uses, as the log spells it."""
    latest = DeltaTable(uri).version()
    out = set()
    for k in range(latest + 1):
        try:
            out |= set(pa.table(DeltaTable(uri, version=k).get_add_actions(flatten=False)).column("path").to_pylist())
        except Exception:
            continue
    return sorted(out)


def plain(t):
    """``t`` with string_view columns as string (pyarrow 26 cannot filter string_view; delta-rs's DELETE
    writes files whose Arrow schema says string_view). The rewrite casts back to the file's schema."""
    return t.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_string_view(f.type) else f for f in t.schema]))


def subject_replacements(uri, paths=None):
    """Old path → its rows without the subject (None when nothing is left), for files holding the subject."""
    out = {}
    for path in paths or ever_files(uri):
        t = plain(history.read_file(uri, path))
        if "email" in t.column_names and pc.any(pc.equal(t["email"], SUBJECT)).as_py():
            kept = t.filter(pc.not_equal(t["email"], SUBJECT))
            out[path] = kept if kept.num_rows else None
    return out


def save_replacements(reps, folder):
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for i, (path, t) in enumerate(reps.items()):
        index[path] = None if t is None else f"{i}.parquet"
        if t is not None:
            pq.write_table(t, folder / f"{i}.parquet")
    (folder / "index.json").write_text(json.dumps(index))


def load_replacements(folder):
    folder = Path(folder)
    index = json.loads((folder / "index.json").read_text())
    return {p: None if f is None else pq.read_table(folder / f) for p, f in index.items()}


# ---------------------------------------------------------------- reading every version


def key_rows(table):
    """(id, email, amount, country) of every row, sorted: a multiset to compare across readers."""
    cols = [c for c in ("id", "email", "amount", "country") if c in table.column_names]
    return sorted(tuple(r[c] for c in cols) for r in table.select(cols).to_pylist())


def via_deltalake(uri, k):
    return key_rows(DeltaTable(uri, version=k).to_pyarrow_table())


def via_scan(uri, k):
    """delta-rs's own engine (DataFusion): the reader that handles column mapping."""
    return key_rows(pa.table(DeltaTable(uri, version=k).scan()))


def via_polars(uri, k):
    return key_rows(pl.read_delta(uri, version=k).to_arrow())


def via_duckdb(uri, k):
    uris = DeltaTable(uri, version=k).file_uris()
    if not uris:
        return []
    con = duckdb.connect()
    try:
        found = con.execute("select id, email, amount from read_parquet(?, union_by_name=true)", [uris]).fetchall()
    finally:
        con.close()
    return sorted(tuple(r) for r in found)


def versions(uri):
    return range(DeltaTable(uri).version() + 1)


def snapshot(uri):
    return {k: via_deltalake(uri, k) for k in versions(uri)}


def without_subject(snap):
    return {k: [r for r in v if r[1] != SUBJECT] for k, v in snap.items()}


def assert_versions(uri, expected, readers=(via_deltalake, via_scan, via_polars), duck=True):
    for k, want in expected.items():
        for read in readers:
            assert read(uri, k) == want, f"version {k} via {read.__name__}"
        if duck:
            got = via_duckdb(uri, k)
            assert got == sorted((r[0], r[1], r[2]) for r in want), f"version {k} via duckdb"


def assert_between(uri, before, after):
    """Mid-rewrite: every version reads, keeps all its other rows, shows no row twice and no new row."""
    for k in before:
        for read in (via_deltalake, via_polars):
            got = read(uri, k)
            assert [r for r in got if r[1] != SUBJECT] == after[k], f"version {k} via {read.__name__}"
            subject_rows = [r for r in got if r[1] == SUBJECT]
            assert all(r in before[k] for r in subject_rows) and len(subject_rows) == len(set(subject_rows))


def log_text(uri):
    """Every log file as text (checkpoints as JSON rows)."""
    out = {}
    for p in sorted((Path(uri) / "_delta_log").iterdir()):
        if p.suffix == ".json" or p.name == "_last_checkpoint":
            out[p.name] = p.read_text()
        elif p.suffix == ".parquet":
            out[p.name] = json.dumps(pq.read_table(p).to_pylist(), default=str)
    return out


def names_any(uri, paths):
    return sorted(n for n, text in log_text(uri).items() if any(p in text for p in paths))


# ---------------------------------------------------------------- the main path


@pytest.fixture
def table(tmp_path):
    uri = str(tmp_path / "t")
    build_table(uri)
    return uri


def test_rewrite_keeps_every_version_without_the_subject(table, tmp_path):
    # v10: a commit that names no replaced file but spells the subject in its predicate
    write_deltalake(table, rows([90]), mode="overwrite", predicate=f"email = '{SUBJECT}' OR id = 90")
    assert SUBJECT in (Path(table) / "_delta_log" / "00000000000000000010.json").read_text()
    before = snapshot(table)
    expected = without_subject(before)
    reps = subject_replacements(table)
    assert len(reps) == 5 and sum(t is None for t in reps.values()) == 1  # v0, v1, v3 (only subject), v4, v5 files
    assert any("%2520" in p for p in reps)  # a partition folder the log spells URL-encoded ("fr x")
    report = history.rewrite_history(table, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)

    assert_versions(table, expected)
    assert report.files_deleted == sorted(reps) and set(report.replaced) == set(reps)
    assert [p for p, new in report.replaced.items() if new is None] == [p for p, t in reps.items() if t is None]
    assert report.checkpoints_rewritten == ["00000000000000000004.checkpoint.0000000001.0000000001.parquet"]
    assert report.checkpoints_retired == ["00000000000000000004.checkpoint.parquet"]
    assert report.concurrent == [] and not report.resumed
    assert not names_any(table, reps), "a log file still names an old file"
    assert not names_any(table, [SUBJECT]), "the log still spells the subject"
    assert PLACEHOLDER in (Path(table) / "_delta_log" / "00000000000000000008.json").read_text()
    assert PLACEHOLDER in (Path(table) / "_delta_log" / "00000000000000000010.json").read_text()
    assert "00000000000000000010.json" in report.commits_rewritten
    for old in reps:
        assert not (Path(table) / unquote(old)).exists()
    assert not list((tmp_path / "j").iterdir()), "the journal is gone when done"
    assert not [p for p in (Path(table) / "_delta_log").iterdir() if p.name.startswith(".history-tmp-")]

    # the copies: same folder (partition), stats only for the columns that had them, right counts
    for k in versions(table):
        adds = pa.table(DeltaTable(table, version=k).get_add_actions(flatten=False)).to_pylist()
        for add in adds:
            assert add["path"].split("/")[0] == f"country={add['partition']['country']}".replace(" ", "%2520")
        assert DeltaTable(table, version=k).count() == len(expected[k])
    for old, new in report.replaced.items():
        if new is None:
            continue
        add = next(json.loads(line)["add"] for text in log_text(table).values() for line in text.splitlines()
                   if line.startswith('{"add"') and new in line)
        st = json.loads(add["stats"])
        assert set(st["minValues"]) == {"id", "amount", "ts"} and "email" not in st["nullCount"]
        assert st["numRecords"] == reps[old].num_rows == report.rows[old]
        assert add["size"] == (Path(table) / unquote(new)).stat().st_size

    # the table goes on: appends, checkpoints, a fresh read of every version
    write_deltalake(table, rows(range(80, 83)), mode="append")
    DeltaTable(table).create_checkpoint()
    expected[11] = sorted(expected[10] + key_rows(rows(range(80, 83))))
    assert_versions(table, expected)


def first_stats(folder):
    """The stats JSON of the first add action delta-rs wrote into a table."""
    commit = (Path(folder) / "_delta_log" / "00000000000000000000.json").read_text().splitlines()
    return json.loads(next(json.loads(line)["add"]["stats"] for line in commit if line.startswith('{"add"')))


def test_without_syncfs_each_file_is_synced(table, tmp_path, monkeypatch):
    """Where libc has no ``syncfs`` (not Linux), a step's files and folders are fsynced one by one: the
    same result, no temp file left."""
    monkeypatch.setattr(history_store, "_SYNCFS", None)
    before = snapshot(table)
    history.rewrite_history(table, subject_replacements(table), journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert_versions(table, without_subject(before))
    assert not [p for p in (Path(table) / "_delta_log").iterdir() if p.name.startswith(".history-tmp-")]


def test_the_journal_is_synced_with_the_copies_and_before_the_log_changes(table, tmp_path, monkeypatch):
    """One sync fewer per rewrite: the journal's first state is made durable with the copies it names (no log file
    names them yet), and before the first log file changes."""
    events: list[tuple[str, str]] = []
    synced = history_store.Store.sync

    def sync(self: history_store.Store) -> None:
        events.extend(("synced", path) for path in sorted(self.unsynced))
        synced(self)

    monkeypatch.setattr(history_store.Store, "sync", sync)
    history.rewrite_history(table, subject_replacements(table), journal_dir=str(tmp_path / "j"), text_rewrite=scrub,
                            progress=lambda step: events.append(("step", step)))
    journal = [i for i, (kind, path) in enumerate(events) if kind == "synced" and Path(path).parent == tmp_path / "j"]
    steps = [(i, step.split(":")[0]) for i, (kind, step) in enumerate(events) if kind == "step"]
    assert max(i for i, step in steps if step == "write") < journal[0]
    assert journal[0] < min(i for i, step in steps if step in ("widen", "swap", "checkpoint", "narrow"))


def test_one_sync_per_phase_that_changed_something(table, tmp_path, monkeypatch):
    """The copies with their journal, each phase whose passes changed the log, the old files' deletion: at most five
    syncs, and none for the journal alone (the phase it names rides with the next sync)."""
    syncs: list[list[str]] = []
    synced = history_store.Store.sync

    def sync(self: history_store.Store) -> None:
        if self.unsynced:
            syncs.append(sorted(self.unsynced))
        synced(self)

    monkeypatch.setattr(history_store.Store, "sync", sync)
    before = snapshot(table)
    history.rewrite_history(table, subject_replacements(table), journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert_versions(table, without_subject(before))
    assert 3 <= len(syncs) <= 5
    assert all(any(Path(path).parent != tmp_path / "j" for path in paths) for paths in syncs)


def test_a_copy_torn_by_a_power_cut_is_written_again(table, tmp_path):
    """A power cut during the sync that makes the copies durable with their journal may keep the journal (phase
    *widen*) and tear a copy. No log file names a copy in an ``add`` before that sync ends, so the resumed rewrite
    writes the copies again: ``pending`` says "write", and the caller passes the replacements."""
    before = snapshot(table)
    reps = subject_replacements(table)
    j = tmp_path / "j"

    def cut(step: str) -> None:
        if step.split(":")[0] in ("widen", "swap", "checkpoint"):
            raise KeyboardInterrupt  # stands for the power cut: nothing in the log changed yet

    with pytest.raises(KeyboardInterrupt):
        history.rewrite_history(table, reps, journal_dir=str(j), text_rewrite=scrub, progress=cut)
    state = json.loads(next(j.glob("history-*.json")).read_text())
    assert state["phase"] == "widen"
    copy = next(t["new"] for t in state["files"].values() if t["new"])
    (Path(table) / unquote(copy)).write_bytes(b"")  # what a power cut may leave of a file written but not synced
    assert history.pending(table, str(j)).phase == "write"
    with pytest.raises(history.HistoryError, match="same replacements"):
        history.rewrite_history(table, {}, journal_dir=str(j), text_rewrite=scrub)
    assert history.rewrite_history(table, reps, journal_dir=str(j), text_rewrite=scrub).resumed
    assert_versions(table, without_subject(before))
    assert history.pending(table, str(j)) is None


def test_stats_match_delta_rs(tmp_path):
    """The copy's stats are what delta-rs writes for the same rows, for every type with bounds."""
    n = 6
    data = pa.table({
        "i8": pa.array([1, 2, None, -4, 5, 6], pa.int8()), "i64": pa.array(range(n), pa.int64()),
        "f": pa.array([1.5, float("nan"), -2.25, 0.0, 3.0, None]), "f32": pa.array([0.1] * n, pa.float32()),
        "s": ["a" * 40, "zz" * 30, None, "é", "m", "b"], "b": [True, False, None, True, True, False],
        "bin": [b"x"] * n, "d": pa.array([dt.date(2024, 1, i + 1) for i in range(n)]),
        "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 123456 * i % 1000000, tzinfo=UTC) for i in range(n)],
                       pa.timestamp("us", "UTC")),
        "ntz": pa.array([dt.datetime(2020, 1, 1, 0, 0, i, 1000 * i) for i in range(n)], pa.timestamp("us")),
        "dec": pa.array([Decimal("1.23"), Decimal("-10.50"), None, Decimal("0.01"), Decimal("7"), Decimal("2")],
                        pa.decimal128(10, 2)),
        "st": pa.array([{"x": i, "y": str(i)} if i != 2 else None for i in range(n)],
                       pa.struct([("x", pa.int64()), ("y", pa.string())])),
        "l": pa.array([[i] for i in range(n)], pa.list_(pa.int64())),
    })
    write_deltalake(str(tmp_path / "a"), data)
    whole = first_stats(tmp_path / "a")
    for i, keep in enumerate(([0, 1, 3], [2], [1, 4, 5], [5])):
        part = data.take(keep)
        write_deltalake(str(tmp_path / f"b{i}"), part)
        want = first_stats(tmp_path / f"b{i}")
        got = json.loads(history_stats.compute(part, history_stats.template(whole)))
        assert got == want, keep


def test_stats_kept_to_the_old_columns():
    shape = history_stats.template('{"numRecords":2,"minValues":{"id":1},"maxValues":{"id":2},"nullCount":{"id":0}}')
    got = json.loads(history_stats.compute(pa.table({"id": [5, 7], "email": ["a", "b"]}), shape))
    assert got == {"numRecords": 2, "minValues": {"id": 5}, "maxValues": {"id": 7}, "nullCount": {"id": 0}}
    assert history_stats.compute(pa.table({"id": [1]}), history_stats.template(None)) is None


def test_checkpoint_schema_and_stats_parsed(tmp_path):
    uri = str(tmp_path / "t")
    build_table(uri, {"delta.checkpoint.writeStatsAsStruct": "true"})
    DeltaTable(uri).create_checkpoint()  # a second checkpoint, at v9
    log = Path(uri) / "_delta_log"
    cps = sorted(log.glob("*.checkpoint.parquet"))
    schemas = {p.name[:20]: (pq.read_schema(p), pq.ParquetFile(p).schema) for p in cps}
    assert "stats_parsed" in str(schemas["00000000000000000004"][0].field("add").type)
    assert "partitionValues_parsed" in str(schemas["00000000000000000004"][0].field("add").type)
    before = snapshot(uri)
    reps = subject_replacements(uri)
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert report.checkpoints_retired == [p.name for p in cps]
    assert [n[:20] for n in report.checkpoints_rewritten] == ["00000000000000000009"]  # v4's: its commits are all there
    for name in report.checkpoints_rewritten:
        arrow_schema, parquet_schema = schemas[name[:20]]
        assert pq.read_schema(log / name).equals(arrow_schema, check_metadata=True)
        assert pq.ParquetFile(log / name).schema.equals(parquet_schema)
    assert_versions(uri, without_subject(before))
    last = json.loads((log / "_last_checkpoint").read_text())
    current = log / report.checkpoints_rewritten[-1]
    assert last == {"version": 9, "size": pq.ParquetFile(current).metadata.num_rows, "parts": 1,
                    "sizeInBytes": current.stat().st_size, "numOfAddFiles": len(DeltaTable(uri).file_uris())}
    cp = pq.read_table(log / report.checkpoints_rewritten[0]).column("add").to_pylist()
    for old, new in report.replaced.items():
        row = next((r for r in cp if r and r["path"] == new), None)
        if row is not None:
            assert row["stats_parsed"]["numRecords"] == report.rows[old]
            assert row["stats_parsed"]["minValues"]["id"] == json.loads(row["stats"])["minValues"]["id"]
            assert row["partitionValues_parsed"]["country"] == dict(row["partitionValues"])["country"]


def test_checkpoint_without_json_stats(tmp_path):
    """writeStatsAsJson=false: the checkpoint has only stats_parsed, the copy's stats go there."""
    uri = str(tmp_path / "t")
    build_table(uri, {"delta.checkpoint.writeStatsAsStruct": "true", "delta.checkpoint.writeStatsAsJson": "false"})
    before = snapshot(uri)
    report = history.rewrite_history(uri, subject_replacements(uri), journal_dir=str(tmp_path / "j"))
    assert_versions(uri, without_subject(before))
    cp = pq.read_table(next((Path(uri) / "_delta_log").glob("*.checkpoint*.parquet")))
    assert "stats" not in [f.name for f in cp.schema.field("add").type]
    news = set(report.replaced.values())
    parsed = [r["stats_parsed"] for r in cp.column("add").to_pylist() if r and r["path"] in news]
    assert parsed and all(p["numRecords"] >= 1 and p["minValues"]["ts"] is not None for p in parsed)


def test_commits_cleaned_up_before_a_checkpoint(tmp_path):
    """The commits before the checkpoint are gone (a log cleanup): files added there are known from the
    checkpoint alone, which the plan then reads; every version left reads minus the subject."""
    uri = str(tmp_path / "t")
    build_table(uri)
    for k in range(4):  # the checkpoint is at version 4
        (Path(uri) / "_delta_log" / f"{k:020d}.json").unlink()
    before = {k: via_deltalake(uri, k) for k in range(4, DeltaTable(uri).version() + 1)}
    reps = subject_replacements(uri)
    assert reps
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert report.checkpoints_rewritten and report.concurrent == []
    assert_versions(uri, without_subject(before))
    assert not names_any(uri, reps)


@pytest.mark.parametrize("cleaned", [0, 2])
def test_only_the_checkpoints_a_reader_needs_are_rewritten(tmp_path, cleaned):
    """Checkpoints at v2, v3, v4 and v6 name a replaced file; v1's does not. With every commit there, those
    of v2 to v4 go without a rewrite (their versions replay from the first commit); with commits 0 and 1
    cleaned up, from v1's checkpoint. The newest is rewritten; the clean one is untouched byte for byte;
    every version reads minus the subject."""
    uri = str(tmp_path / "t")
    write_deltalake(uri, rows(range(0, 10)))                                    # v0
    write_deltalake(uri, rows(range(10, 20)), mode="append")                    # v1
    DeltaTable(uri).create_checkpoint()
    write_deltalake(uri, rows(range(20, 30), subject={21}), mode="append")      # v2
    DeltaTable(uri).create_checkpoint()
    write_deltalake(uri, rows(range(30, 40)), mode="append")                    # v3
    DeltaTable(uri).create_checkpoint()
    for k in range(4, 7):
        write_deltalake(uri, rows(range(10 * k, 10 * k + 5)), mode="append")   # v4..v6
        if k % 2 == 0:
            DeltaTable(uri).create_checkpoint()                                 # at v4 and v6
    log = Path(uri) / "_delta_log"
    for k in range(cleaned):
        (log / f"{k:020d}.json").unlink()
    clean = (log / f"{1:020d}.checkpoint.parquet").read_bytes()
    before = {k: via_deltalake(uri, k) for k in range(1 if cleaned else 0, 7)}
    reps = subject_replacements(uri)
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert [n[:20] for n in report.checkpoints_rewritten] == [f"{6:020d}"]
    assert sorted(n[:20] for n in report.checkpoints_retired) == [f"{v:020d}" for v in (2, 3, 4, 6)]
    assert (log / f"{1:020d}.checkpoint.parquet").read_bytes() == clean
    assert_versions(uri, without_subject(before))
    assert not names_any(uri, reps)


def test_multipart_checkpoint(tmp_path):
    uri = str(tmp_path / "t")
    build_table(uri)
    log = Path(uri) / "_delta_log"
    single = log / "00000000000000000004.checkpoint.parquet"
    whole = pq.read_table(single)
    half = whole.num_rows // 2
    for i, part in enumerate((whole.slice(0, half), whole.slice(half)), start=1):
        pq.write_table(part, log / f"00000000000000000004.checkpoint.{i:010d}.0000000002.parquet",
                       compression="none", store_schema=False)
    single.unlink()
    last = json.loads((log / "_last_checkpoint").read_text())
    (log / "_last_checkpoint").write_text(json.dumps({**last, "parts": 2}))
    before = snapshot(uri)
    reps = subject_replacements(uri)
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert report.checkpoints_rewritten == ["00000000000000000004.checkpoint.parquet"]  # the parts as one file
    assert len(report.checkpoints_retired) == 2
    assert_versions(uri, without_subject(before))
    assert not names_any(uri, reps)
    last = json.loads((log / "_last_checkpoint").read_text())
    assert "parts" not in last and last["sizeInBytes"] == single.stat().st_size


def test_log_compaction_crc_and_cdc(tmp_path):
    """A log compaction file, .crc files and change data files are handled too."""
    uri = str(tmp_path / "t")
    # "fr": delta-rs 1.6.6's load_cdf does not URL-decode paths (fails on "fr x" before any rewrite)
    build_table(uri, {"delta.enableChangeDataFeed": "true"}, other="fr")
    DeltaTable(uri).compact_logs(5, 8)
    log = Path(uri) / "_delta_log"
    assert (log / "00000000000000000005.00000000000000000008.compacted.json").exists()
    for v in (0, 2, 9):
        (log / f"{v:020d}.crc").write_text(json.dumps({"tableSizeBytes": 1, "numFiles": 1}))
    before = snapshot(uri)
    cdc = [p for p in (log / "00000000000000000008.json").read_text().splitlines() if p.startswith('{"cdc"')]
    assert cdc, "delta-rs writes change data for the delete of the subject"
    paths = ever_files(uri) + [json.loads(c)["cdc"]["path"] for c in cdc]
    reps = subject_replacements(uri, paths)
    assert any(p.startswith("_change_data/") for p in reps)
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    assert "00000000000000000005.00000000000000000008.compacted.json" in report.commits_rewritten
    assert sorted(report.crc_deleted) == [f"{v:020d}.crc" for v in (0, 2, 9)]  # the subject is in v0 already
    assert_versions(uri, without_subject(before))
    assert not names_any(uri, reps)
    changes = pa.table(DeltaTable(uri).load_cdf(starting_version=0).read_all())
    assert SUBJECT not in changes["email"].to_pylist()
    assert changes.num_rows > 0


def test_column_mapping(tmp_path):
    uri = str(tmp_path / "t")
    write_deltalake(uri, rows(range(0, 5), subject={2}), configuration={
        "delta.columnMapping.mode": "name", "delta.minReaderVersion": "2", "delta.minWriterVersion": "5"})
    write_deltalake(uri, rows(range(5, 10)), mode="append")
    DeltaTable(uri).create_checkpoint()
    # with column mapping, DeltaTable.to_pyarrow_table() reads every column as null and polars refuses the
    # table (delta-rs 1.6.6, polars 1.x): only delta-rs's scan() reads it
    before = {k: via_scan(uri, k) for k in versions(uri)}
    assert before[0][0][0] == 0
    paths = ever_files(uri)
    email = next(f.metadata["delta.columnMapping.physicalName"] for f in DeltaTable(uri).schema().fields
                 if f.name == "email")
    reps = {}
    for p in paths:
        t = plain(history.read_file(uri, p))  # physical names: col-<uuid>
        if SUBJECT in t[email].to_pylist():
            reps[p] = t.filter(pc.not_equal(t[email], SUBJECT))
    assert len(reps) == 1
    old_schema = pq.read_schema(Path(uri) / unquote(next(iter(reps))))
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"))
    assert_versions(uri, without_subject(before), readers=(via_scan,), duck=False)
    new = next(iter(report.replaced.values()))
    assert pq.read_schema(Path(uri) / unquote(new)).equals(old_schema, check_metadata=True)  # field ids kept


def test_refuses_deletion_vectors_and_changes_nothing(table, tmp_path):
    reps = subject_replacements(table)
    commit = Path(table) / "_delta_log" / "00000000000000000000.json"
    target = next(p for p in reps if p in commit.read_text())
    lines = []
    for line in commit.read_text().splitlines():
        action = json.loads(line)
        if action.get("add", {}).get("path") == target:
            action["add"]["deletionVector"] = {"storageType": "u", "pathOrInlineDv": "ab^-aqEH.-t@S}K{vb[*k^",
                                               "offset": 4, "sizeInBytes": 40, "cardinality": 1}
        lines.append(json.dumps(action))
    commit.write_text("\n".join(lines) + "\n")
    before = log_text(table)
    with pytest.raises(history.HistoryError, match="deletion vector"):
        history.rewrite_history(table, reps, journal_dir=str(tmp_path / "j"))
    assert log_text(table) == before
    assert not (tmp_path / "j").exists() or not list((tmp_path / "j").iterdir())


def test_refusals(table, tmp_path):
    j = str(tmp_path / "j")
    with pytest.raises(history.HistoryError, match="names no file"):
        history.rewrite_history(table, {"part-nope.parquet": None}, journal_dir=j)
    with pytest.raises(history.HistoryError, match="absolute"):
        history.rewrite_history(table, {"s3://b/x.parquet": None}, journal_dir=j)
    with pytest.raises(history.HistoryError, match="no text_rewrite and no journal"):
        history.rewrite_history(table, {}, journal_dir=j)
    reps = subject_replacements(table)
    broken = {k: (v.drop_columns(["id"]) if v is not None else v) for k, v in reps.items()}
    with pytest.raises(history.HistoryError, match="lacks column 'id'"):
        history.rewrite_history(table, broken, journal_dir=j, text_rewrite=scrub)
    # the journal of the failed call is in phase "write": only the same files can resume it
    assert history.pending(table, j) == history.Pending("write", frozenset(reps), True)
    with pytest.raises(history.HistoryError, match="other files"):
        history.rewrite_history(table, dict(list(reps.items())[:1]), journal_dir=j)
    with pytest.raises(history.HistoryError, match="same replacements"):
        history.rewrite_history(table, {}, journal_dir=j, text_rewrite=scrub)
    with pytest.raises(history.HistoryError, match="text_rewrite"):
        history.rewrite_history(table, reps, journal_dir=j)
    assert history.rewrite_history(table, reps, journal_dir=j, text_rewrite=scrub).resumed
    assert history.pending(table, j) is None


# ---------------------------------------------------------------- readers holding a handle


def test_handles_opened_before_the_rewrite(table, tmp_path):
    """delta-rs keeps a handle's file list: a handle opened before the rewrite must be opened again."""
    before = snapshot(table)
    at4 = DeltaTable(table, version=4)
    latest = DeltaTable(table)
    reps = subject_replacements(table)
    history.rewrite_history(table, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub)
    with pytest.raises(FileNotFoundError):
        at4.to_pyarrow_table()  # its cached list names a deleted old file
    at4.load_as_version(5)
    with pytest.raises(FileNotFoundError):
        at4.to_pyarrow_table()  # a forward load applies commits 5.. to the cached state
    latest.load_as_version(4)  # a backward load reads the log again
    assert key_rows(latest.to_pyarrow_table()) == without_subject(before)[4]
    stale = DeltaTable(table, version=9)
    stale.create_checkpoint()  # reads the log again: names the copies, not the old files
    assert not names_any(table, reps)


# ---------------------------------------------------------------- crashes


CHILD = r"""
import os, signal, sys, time, traceback
sys.path.insert(0, {here!r})
from lakekit.storage import history
from tests.storage.test_history import load_replacements, scrub


def rewrite(uri, journal, reps, kill_at, delay):
    seen = 0

    def progress(step):
        nonlocal seen
        seen += 1
        if seen == 1:
            open(uri + ".started", "w").close()
        if seen == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(delay)

    history.rewrite_history(uri, load_replacements(reps), journal_dir=journal, text_rewrite=scrub,
                            progress=progress)


# Forks a child that rewrites uri; with kill_after >= 0, SIGKILLs it that many seconds after its first step.
# Returns its exit code as subprocess reports it (-9 for SIGKILL).
def run(uri, journal, reps, kill_at, delay, kill_after):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.dup2(2, 1)  # this process's stdout carries the answers
            rewrite(uri, journal, reps, kill_at, delay)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)  # delta-rs can abort the interpreter at exit
    status = None
    if kill_after >= 0:
        while not os.path.exists(uri + ".started"):
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
                break
            time.sleep(0.005)
        if status is None:
            time.sleep(kill_after)
            os.kill(pid, signal.SIGKILL)  # unreaped until the waitpid below: the pid cannot be reused
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1] if status is None else status)


# One rewrite per line on stdin, each in a child forked from this process: the imports above are paid
# once, and nothing runs here before forking (no delta-rs runtime or Arrow thread pool to inherit).
for line in sys.stdin:
    uri, journal, reps, kill_at, delay, kill_after = line.rstrip("\n").split("\t")
    print(run(uri, journal, reps, int(kill_at), float(delay), float(kill_after)), flush=True)
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One table with its replacements staged on disk, its versions before and after, and the steps of a run.
    A second checkpoint, at v9, is rewritten; the one at v4 is spare (every commit is there): retired only."""
    root = tmp_path_factory.mktemp("base")
    uri = str(root / "t")
    build_table(uri)
    DeltaTable(uri).create_checkpoint()
    before = snapshot(uri)
    save_replacements(subject_replacements(uri), root / "reps")
    dry = str(root / "dry")
    shutil.copytree(uri, dry)
    steps = []
    history.rewrite_history(dry, load_replacements(root / "reps"), journal_dir=str(root / "dry-j"),
                            text_rewrite=scrub, progress=steps.append)
    return {"root": root, "uri": uri, "before": before, "after": without_subject(before), "steps": steps}


@pytest.fixture(scope="module")
def forks(tmp_path_factory):
    """The process the rewrites to kill are forked from (``CHILD``), for the whole module."""
    script = tmp_path_factory.mktemp("forks") / "child.py"
    script.write_text(CHILD.format(here=str(HERE)))
    proc = subprocess.Popen([sys.executable, str(script)], cwd=str(HERE), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def run_child(forks, base, uri, journal, kill_at, delay=0.0, kill_after=None):
    """Run a rewrite in a child; with ``kill_after``, SIGKILL it that many seconds after its first step."""
    request = [uri, journal, str(base["root"] / "reps"), str(kill_at), str(delay), str(-1 if kill_after is None
                                                                                       else kill_after)]
    forks.stdin.write("\t".join(request) + "\n")
    forks.stdin.flush()
    return int(forks.stdout.readline())


def assert_finished(base, uri, reps):
    assert_versions(uri, base["after"])
    assert not names_any(uri, reps)
    assert not names_any(uri, [SUBJECT])
    on_disk = {str(p.relative_to(uri)) for p in Path(uri).rglob("*.parquet") if "_delta_log" not in p.parts}
    used = {unquote(p) for p in ever_files(uri)}
    assert on_disk == used, "an orphan or a missing data file"
    assert not [p for p in (Path(uri) / "_delta_log").iterdir() if p.name.startswith(".history-tmp-")]


def test_step_names(base):
    steps = base["steps"]
    phases = [s for s in steps if s.startswith("journal:")]
    assert phases == ["journal:write", "journal:widen", "journal:swap", "journal:narrow", "journal:delete",
                      "journal:done"]
    assert [s.split(":")[0] for s in steps].count("write") == 5
    assert any(s.startswith("widen:") for s in steps) and any(s.startswith("narrow:") for s in steps)
    assert [s for s in steps if s.startswith("checkpoint:")] == [
        "checkpoint:00000000000000000009.checkpoint.0000000001.0000000001.parquet"]
    for version in (4, 9):
        assert steps.index(f"retire:{version:020d}.checkpoint.parquet") < steps.index("journal:delete")
    assert "last_checkpoint" in steps


def kill_then_resume(forks, base, tmp_path, kill_at):
    """SIGKILL before step ``kill_at`` (1-based): every version reads (other rows intact, nothing doubled); a
    second call finishes; the result is the same as an uninterrupted run."""
    reps = load_replacements(base["root"] / "reps")
    uri, journal = str(tmp_path / f"t{kill_at}"), str(tmp_path / f"j{kill_at}")
    shutil.copytree(base["uri"], uri)
    assert run_child(forks, base, uri, journal, kill_at) == -signal.SIGKILL
    assert_between(uri, base["before"], base["after"])
    report = history.rewrite_history(uri, reps, journal_dir=journal, text_rewrite=scrub)
    assert report.resumed == (kill_at > 1), kill_at
    assert_finished(base, uri, reps)


@pytest.mark.crash
def test_kill_at_the_first_step_of_each_kind_then_resume(forks, base, tmp_path):
    """Before the second copy is written, and before the first swapped commit, written checkpoint, retired
    checkpoint, narrowed commit and deleted old file (every step: ``-m slow``)."""
    first = {}
    for i, step in enumerate(base["steps"], start=1):
        first.setdefault(step.split(":")[0], i)
    for kill_at in sorted({first["write"] + 1, *(first[k] for k in ("swap", "checkpoint", "retire", "narrow",
                                                                    "delete"))}):
        kill_then_resume(forks, base, tmp_path, kill_at)


@pytest.mark.slow
@pytest.mark.crash
def test_kill_at_every_step_then_resume(forks, base, tmp_path):
    """SIGKILL before each step in turn."""
    for kill_at in range(1, len(base["steps"]) + 1):
        kill_then_resume(forks, base, tmp_path, kill_at)


@pytest.mark.crash
@pytest.mark.parametrize("seed", [pytest.param(s, marks=[pytest.mark.slow] if s >= 2 else []) for s in range(8)])
def test_kill_at_a_random_moment_then_resume(forks, base, tmp_path, seed):
    """SIGKILL at a random time, inside steps too (e.g. between a temp file and its rename)."""
    reps = load_replacements(base["root"] / "reps")
    uri, journal = str(tmp_path / "t"), str(tmp_path / "j")
    shutil.copytree(base["uri"], uri)
    code = run_child(forks, base, uri, journal, 0, delay=0.02, kill_after=random.Random(seed).uniform(0.0, 0.9))
    assert_between(uri, base["before"], base["after"])
    if code != 0:
        history.rewrite_history(uri, reps, journal_dir=journal, text_rewrite=scrub)
    assert_finished(base, uri, reps)


# ---------------------------------------------------------------- concurrent writers


APPENDER = r"""
import sys, time
sys.path.insert(0, {here!r})
import os
from deltalake import write_deltalake
from tests.storage.test_history import rows

uri, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    write_deltalake(uri, rows(range(1000 + 5 * i, 1005 + 5 * i)), mode="append")
    time.sleep(0.03)
os._exit(0)
"""


@pytest.mark.parametrize("pace", [pytest.param(0.02, marks=pytest.mark.slow), 0.05])
def test_concurrent_appends_lose_nothing(tmp_path, pace):
    """An appender commits (and checkpoints every 5 commits, from the log it reads) during the rewrite."""
    uri = str(tmp_path / "t")
    build_table(uri, {"delta.checkpointInterval": "5"})
    before = snapshot(uri)
    after = without_subject(before)
    start = max(before)
    reps = subject_replacements(uri)
    script = tmp_path / "appender.py"
    script.write_text(APPENDER.format(here=str(HERE)))
    count = 30
    proc = subprocess.Popen([sys.executable, str(script), uri, str(count)], cwd=str(HERE))
    deadline = time.monotonic() + 60
    while DeltaTable(uri).version() == start and time.monotonic() < deadline:
        time.sleep(0.01)
    report = history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub,
                                     progress=lambda _: time.sleep(pace))
    assert proc.wait(timeout=120) == 0
    latest = DeltaTable(uri).version()
    assert latest == start + count
    assert DeltaTable(uri).version() > report.passes * 0  # the appender went on during the rewrite
    for v in range(start + 1, latest + 1):
        after[v] = sorted(after[start] + key_rows(rows(range(1000, 1000 + 5 * (v - start)))))
    assert_versions(uri, after)
    assert not names_any(uri, reps)
    assert list((Path(uri) / "_delta_log").glob("*.checkpoint*.parquet")), "the appender checkpointed"
    print("concurrent:", report.concurrent, "retired:", report.checkpoints_retired)


@pytest.mark.parametrize("inject_at", ["journal:narrow", "journal:delete"])
def test_stale_checkpoint_is_repaired(table, tmp_path, inject_at):
    """A writer that read the log before the swap checkpoints after it: its checkpoint names old files.
    Injected before the narrow phase, the narrow passes fix it before any old file goes; injected after
    them, the pass after the deletion does (the window in between is the one the docstring names)."""
    before = snapshot(table)
    expected = without_subject(before)
    log = Path(table) / "_delta_log"
    stale = tmp_path / "stale"
    shutil.copytree(log, stale / "_delta_log")
    reps = subject_replacements(table)
    made = []

    def progress(step):
        if step == inject_at:
            write_deltalake(table, rows(range(90, 93)), mode="append")
            v = DeltaTable(table).version()
            shutil.copy(log / f"{v:020d}.json", stale / "_delta_log")
            DeltaTable(str(stale)).create_checkpoint()
            shutil.copy(stale / "_delta_log" / f"{v:020d}.checkpoint.parquet", log)
            shutil.copy(stale / "_delta_log" / "_last_checkpoint", log)
            assert names_any(table, reps)
            made.append(f"{v:020d}.checkpoint.parquet")

    report = history.rewrite_history(table, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub,
                                     progress=progress)
    assert made and made[0] in report.concurrent and made[0] in report.checkpoints_retired
    assert made[0].replace(".parquet", ".0000000001.0000000001.parquet") in report.checkpoints_rewritten
    expected[10] = sorted(expected[9] + key_rows(rows(range(90, 93))))
    assert_versions(table, expected)
    assert not names_any(table, reps)


READER = r"""
import json, os, sys
sys.path.insert(0, {here!r})
from tests.storage.test_history import via_deltalake, via_polars, SUBJECT

uri, expected, stop, out, count = sys.argv[1:6]
spec = json.loads(open(expected).read())
before = {{int(k): [tuple(r) for r in v] for k, v in spec["before"].items()}}
after = {{int(k): [tuple(r) for r in v] for k, v in spec["after"].items()}}
reads, failures = 0, []
while not os.path.exists(stop):
    for k in before:
        for read in (via_deltalake, via_polars):
            try:
                got = read(uri, k)
            except Exception as e:
                failures.append(f"v{{k}} {{read.__name__}}: {{type(e).__name__}}: {{str(e)[:200]}}")
                continue
            reads += 1
            with open(count + ".tmp", "w") as f:
                f.write(str(reads))
            os.replace(count + ".tmp", count)  # the test paces the rewrite's steps by it
            others = [r for r in got if r[1] != SUBJECT]
            subject = [r for r in got if r[1] == SUBJECT]
            if others != after[k] or len(subject) != len(set(subject)) or not all(r in before[k] for r in subject):
                failures.append(f"v{{k}} {{read.__name__}}: wrong rows")
open(out, "w").write(json.dumps({{"reads": reads, "failures": failures}}))
os._exit(0)
"""


def test_readers_during_the_rewrite(tmp_path):
    """A reader process reads every version again and again while the rewrite runs: no read fails, none shows
    a row twice or loses another row."""
    uri = str(tmp_path / "t")
    build_table(uri)
    before = snapshot(uri)
    spec = tmp_path / "expected.json"
    spec.write_text(json.dumps({"before": before, "after": without_subject(before)}))
    script = tmp_path / "reader.py"
    script.write_text(READER.format(here=str(HERE)))
    stop, out, count = tmp_path / "stop", tmp_path / "out.json", tmp_path / "reads"
    reps = subject_replacements(uri)
    proc = subprocess.Popen([sys.executable, str(script), uri, str(spec), str(stop), str(out), str(count)],
                            cwd=str(HERE))

    def reads_more(n: int) -> None:
        """Wait until the reader has read ``n`` more times (however slow a loaded machine makes it)."""
        start = int(count.read_text()) if count.exists() else 0
        deadline = time.monotonic() + 120
        while not count.exists() or int(count.read_text()) < start + n:
            assert proc.poll() is None and time.monotonic() < deadline, "the reader stopped reading"
            time.sleep(0.01)

    reads_more(1)  # the reader is reading
    history.rewrite_history(uri, reps, journal_dir=str(tmp_path / "j"), text_rewrite=scrub,
                            progress=lambda _: reads_more(4), grace_seconds=1.0)  # >= 4 reads per step
    reads_more(4)
    stop.touch()
    assert proc.wait(timeout=120) == 0
    result = json.loads(out.read_text())
    assert result["failures"] == []
    assert result["reads"] > 100


def test_log_only_rewrite(tmp_path):
    """No data file holds the subject any more, a commitInfo still does: the log alone is rewritten, with the
    same journal and resumption (killed once here)."""
    uri = str(tmp_path / "t")
    # no stats on email: else version 0's add.stats spells the subject as a min/max, which only a rewrite of
    # that data file (stats recomputed) removes
    write_deltalake(uri, rows(range(0, 5), subject={2}), configuration={"delta.dataSkippingStatsColumns": "id"})
    DeltaTable(uri).delete(f"email = '{SUBJECT}'")
    write_deltalake(uri, rows(range(5, 8)), mode="append")
    before = snapshot(uri)
    j = str(tmp_path / "j")

    def crash(step):
        if step.startswith("swap:"):
            raise KeyboardInterrupt  # stands for a kill: the journal stays, in phase "swap"

    with pytest.raises(KeyboardInterrupt):
        history.rewrite_history(uri, {}, journal_dir=j, text_rewrite=scrub, progress=crash)
    assert history.pending(uri, j) == history.Pending("swap", frozenset(), True)
    with pytest.raises(history.HistoryError, match="text_rewrite"):
        history.rewrite_history(uri, {}, journal_dir=j)
    report = history.rewrite_history(uri, {}, journal_dir=j, text_rewrite=scrub)
    assert report.resumed and report.commits_rewritten == ["00000000000000000001.json"]
    assert not names_any(uri, [SUBJECT]) and history.pending(uri, j) is None
    assert_versions(uri, before)  # the subject's row is still in version 0: only a data rewrite removes it
