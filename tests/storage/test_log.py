"""Tests of :mod:`lakekit.storage.log` on real Delta tables: a replay of the log gives every loadable
version the files delta-rs reads for it, whether the log still starts at version 0 (commits alone are
replayed) or a cleanup removed its oldest commits (the oldest loadable version is opened first)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lakekit.errors import VersionNotFound
from lakekit.storage import log
from lakekit.storage.delta import Storage

TABLE = "t.events"
STEPS = ["append", "delete", "overwrite", "merge", "compact", "checkpoint", "cleanup"]


def _files(uri: str, version: int) -> frozenset[str]:
    actions = pa.table(DeltaTable(uri, version=version).get_add_actions(flatten=False))
    return frozenset(unquote(p) for p in actions.column("path").to_pylist())


def _partitions(uri: str, version: int) -> dict[str, dict[str, str | None]]:
    """Each file of a version → its partition values, as the log writes them."""
    found: dict[str, dict[str, str | None]] = {}
    for path in sorted((Path(uri) / "_delta_log").glob("*.json")):
        if int(path.name[:20]) > version:
            continue
        for line in path.read_text().split("\n"):
            if line.startswith('{"add"'):
                add = json.loads(line)["add"]
                found[unquote(add["path"])] = add["partitionValues"] or {}
    return found


def _run(uri: str, steps: list[str]) -> None:
    rows = pa.table({"id": [0, 1], "p": ["a b", "c%d"]})
    write_deltalake(uri, rows, partition_by=["p"],
                    configuration={"delta.logRetentionDuration": "interval 0 seconds"})
    for n, step in enumerate(steps, start=2):
        table = DeltaTable(uri)
        batch = pa.table({"id": [n], "p": ["a b" if n % 2 else f"x{n}"]})
        if step == "append":
            write_deltalake(uri, batch, mode="append")
        elif step == "delete":
            table.delete(f"id < {n // 2}")
        elif step == "overwrite":
            write_deltalake(uri, batch, mode="overwrite")
        elif step == "merge":
            (table.merge(batch, "t.id = s.id", source_alias="s", target_alias="t")
             .when_matched_update_all().when_not_matched_insert_all().execute())
        elif step == "compact":
            table.optimize.compact()
        elif step == "checkpoint":
            table.create_checkpoint()
        else:
            table.create_checkpoint()
            table.cleanup_metadata()


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(STEPS), min_size=1, max_size=8))
@example(["append", "merge", "cleanup", "append", "delete"])  # commits 0 and 1 cleaned up: version 2 opened first
@example(["append", "overwrite", "compact", "checkpoint", "append"])  # every commit kept: the commits alone
def test_a_replay_gives_every_loadable_version_the_files_delta_rs_reads(tmp_path_factory: object,
                                                                      steps: list[str]) -> None:
    root = tmp_path_factory.mktemp("lake")  # type: ignore[attr-defined]
    storage = Storage(str(root))
    uri = storage.uri(TABLE)
    _run(uri, steps)
    replay = log.replay(storage, TABLE)
    assert replay.latest == DeltaTable(uri).version()
    assert (replay.first == 0) == (root / "t" / "events" / "_delta_log" / f"{0:020d}.json").exists()
    assert sorted(replay.versions) == list(range(replay.first, replay.latest + 1))
    for version, paths in replay.versions.items():
        assert paths == _files(uri, version)
    logged = _partitions(uri, replay.latest)
    for span in replay.spans:
        if span.path in logged:
            assert dict(span.partition_values) == logged[span.path]
    assert all(unquote(spelled) == path for path, spelled in replay.spelled.items())
    first, upto, spans = log.file_spans(storage, TABLE, replay.first)
    assert (first, upto) == (replay.first, replay.first)
    assert frozenset(s.path for s in spans if s.removed is None) == _files(uri, replay.first)


def test_a_version_beyond_the_log_is_refused(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path))
    _run(storage.uri(TABLE), ["append"])
    with pytest.raises(VersionNotFound):
        log.file_spans(storage, TABLE, 5)
