"""Provenance records: what a commit stores is what is read back, whatever lakekit wrote it."""

from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lakekit as lk
from lakekit.index.provenance import KINDS, PROVENANCE_KEY, environment, from_commit

TEXT = st.text(min_size=1, max_size=12)
IDS = st.dictionaries(TEXT, st.integers(min_value=0, max_value=10**6), max_size=3)
RECORDS = st.one_of(
    st.builds(lk.LoadProvenance, load_id=TEXT, job=TEXT, mode=st.sampled_from(["append", "overwrite", "merge"]),
              keys=st.lists(TEXT, max_size=2).map(tuple),
              files=st.lists(st.builds(lk.SourceFile, TEXT, st.integers(0, 10**9), TEXT), max_size=2).map(tuple),
              metadata=st.dictionaries(TEXT, TEXT, max_size=2), schema_hash=st.none() | TEXT),
    st.builds(lk.TransformProvenance, transform_id=TEXT, sql=TEXT, sql_hash=TEXT, dialect=TEXT, job=TEXT,
              mode=st.sampled_from(["append", "overwrite", "merge"]), inputs=IDS, previous_inputs=st.none() | IDS,
              incremental=st.booleans(), source=st.none() | TEXT),
    st.builds(lk.RunProvenance, run_id=TEXT, run_name=TEXT, seq=st.integers(1, 99), mode=st.just("append"),
              inputs=IDS, artifacts=st.dictionaries(TEXT, TEXT, max_size=2)),
    st.builds(lk.PredictionsProvenance, run_id=TEXT, seq=st.integers(1, 99)),
    st.builds(lk.ErasureProvenance, request_id=TEXT, subject=TEXT, rows_removed=st.integers(0, 99)),
)


@given(RECORDS)
def test_a_record_reads_back_as_committed(made: lk.Provenance) -> None:
    commit = made.commit({"app": 1})
    assert commit.exclusive and commit.transactions == {"app": 1}
    assert from_commit(dict(commit.metadata)) == made
    assert made.write_id is not None and KINDS[str(made.operation)] is type(made)


def test_a_record_made_here_carries_this_process(lake: lk.Lake) -> None:
    made = lk.PredictionsProvenance(run_id="r", seq=1)
    assert (made.user, made.host, made.lakekit_version) == tuple(environment()[k] for k in ("user", "host",
                                                                                               "lakekit_version"))


def test_older_and_newer_records_read_with_defaults_and_without_unknown_keys() -> None:
    older = {"operation": "transform", "transform_id": "t", "sql": "SELECT 1", "sql_hash": "h", "dialect": "duckdb",
             "mode": "overwrite", "keys": [], "inputs": {"raw.a": [2, 3]}, "job": "j", "from_the_future": 1}
    made = from_commit({PROVENANCE_KEY: json.dumps(older)})
    assert isinstance(made, lk.TransformProvenance)
    assert made.inputs == {"raw.a": 3} and made.previous_inputs is None and made.incremental is False
    assert made.user is None and made.packages == {}  # not this process's: unknown


@pytest.mark.parametrize("commit", [{}, {"operation": "VACUUM END"}, {PROVENANCE_KEY: "not json"},
                                    {PROVENANCE_KEY: "[1]"}, {PROVENANCE_KEY: '{"operation": "sneeze"}'},
                                    {PROVENANCE_KEY: '{"operation": "ingest"}'}])
def test_a_commit_lakekit_did_not_make_reads_as_the_bare_record(commit: dict[str, str]) -> None:
    made = from_commit(commit)
    assert type(made) is lk.Provenance and made.operation is None and made.write_id is None
    assert made.to_json() == {}


def test_the_old_dict_access_still_reads_with_a_warning() -> None:
    made = lk.LoadProvenance(load_id="l", job="j", mode="append", files=(lk.SourceFile("a.csv", 1, "sha256:x"),))
    with pytest.warns(DeprecationWarning, match=r"provenance\.load_id"):
        assert made["load_id"] == "l"
    with pytest.warns(DeprecationWarning):
        assert made.get("files") == [{"uri": "a.csv", "size": 1, "checksum": "sha256:x"}]
    with pytest.warns(DeprecationWarning):
        assert "metadata" in made and made.get("nope", 0) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert made.load_id == "l" and made.files[0].uri == "a.csv"
