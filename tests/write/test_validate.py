"""The validation engine: auditing batches, drift, policies, reports."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

import pandera.polars as pa
import polars as pl
import pyarrow
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakekit.core.checks import compile_plan
from lakekit.core.results import ValidationReport
from lakekit.errors import FailedChecks, SchemaDrift, UsageError
from lakekit.write import catalog
from lakekit.write.audit import Auditor
from lakekit.write.validate import (
    check_drift,
    enforce,
    pii_columns,
    policy_of,
    prior_columns,
    schema_hash,
)


class Users(pa.DataFrameModel):
    user_id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
    email: str = pa.Field(str_matches=r".+@.+\..+", metadata={"pii": "email"})
    age: int | None = pa.Field(nullable=True, ge=0, le=150)
    score: float = pa.Field(in_range={"min_value": 0.0, "max_value": 1.0})
    country: str = pa.Field(isin=["DE", "FR", "NL"])

    class Config:
        name = "raw.users"


class Strict(pa.DataFrameModel):
    id: int
    name: str

    class Config:
        name = "raw.strict"
        strict = True
        metadata: ClassVar[dict[str, str]] = {"on_invalid": "fail"}


class Pairs(pa.DataFrameModel):
    a: int
    b: str

    class Config:
        name = "raw.pairs"
        unique: ClassVar[list[str]] = ["a", "b"]


class Custom(pa.DataFrameModel):
    low: int
    high: int

    class Config:
        name = "raw.custom"

    @pa.check("low")
    def even(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) % 2 == 0)

    @pa.dataframe_check
    def ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("low") <= pl.col("high"))


def users(**overrides: list) -> pyarrow.Table:
    columns = {
        "user_id": [1, 2, 3, 4],
        "email": ["a@x.org", "b@x.org", "c@x.org", "d@x.org"],
        "age": [30, None, 40, 50],
        "score": [0.1, 0.2, 0.3, 0.4],
        "country": ["DE", "FR", "NL", "DE"],
    }
    columns.update(overrides)
    return pyarrow.table(columns)


def errors_of(rejected: pyarrow.Table) -> list[set[tuple[str | None, str]]]:
    return [{(e["column"], e["check"]) for e in json.loads(text)} for text in rejected["_errors"].to_pylist()]


# --- reading tags -------------------------------------------------------------------------


def test_pii_columns():
    assert pii_columns(Users) == {"user_id": "user_id", "email": "email"}


def test_prior_columns_are_the_unique_keys():
    assert prior_columns(Users) == ["user_id"]
    assert prior_columns(Pairs) == ["a", "b"]
    assert prior_columns(Strict) == []


def test_policy_from_config_metadata_or_call():
    assert policy_of(Users) == "quarantine"
    assert policy_of(Strict) == "fail"
    assert policy_of(Strict, "warn") == "warn"
    with pytest.raises(UsageError):
        policy_of(Users, "explode")  # type: ignore[arg-type]


def test_schema_hash_is_stable_and_follows_the_definition():
    class Again(pa.DataFrameModel):
        user_id: int = pa.Field(unique=True, metadata={"pii": "user_id"})
        email: str = pa.Field(str_matches=r".+@.+\..+", metadata={"pii": "email"})
        age: int | None = pa.Field(nullable=True, ge=0, le=150)
        score: float = pa.Field(in_range={"min_value": 0.0, "max_value": 1.0})
        country: str = pa.Field(isin=["DE", "FR", "NL"])

        class Config:
            name = "raw.users"

    class Changed(Again):
        age: int | None = pa.Field(nullable=True, ge=0, le=120)

        class Config:
            name = "raw.users"

    assert schema_hash(Users) == schema_hash(Users) == schema_hash(Again)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", schema_hash(Users))
    assert schema_hash(Changed) != schema_hash(Users)


# --- the auditor ----------------------------------------------------------------------------


def test_valid_rows_pass_untouched():
    table = users()
    auditor = Auditor(Users)
    audited = auditor.audit(table)
    assert audited.valid.equals(table)
    assert audited.rejected.num_rows == 0 and "_errors" in audited.rejected.column_names
    report = auditor.report(version=3)
    assert report.ok and report.rows_checked == 4 and report.failures == () and report.version == 3


def test_failing_rows_are_rejected_with_their_checks():
    table = users(
        email=["a@x.org", "not-an-email", "c@x.org", "d@x.org"],
        age=[30, None, 400, 50],
        score=[0.1, 0.2, 0.3, None],
        country=["DE", "FR", "NL", "US"],
    )
    audited = Auditor(Users).audit(table)
    assert audited.valid.to_pydict() == table.take([0]).to_pydict()
    assert errors_of(audited.rejected) == [
        {("email", "str_matches('.+@.+\\..+')")},
        {("age", "less_than_or_equal_to(150)")},
        {("score", "not_nullable"), ("country", "isin(['DE', 'FR', 'NL'])")},
    ]


def test_rejected_rows_round_trip_exactly():
    """Every type the source had survives in quarantine, even values that failed their dtype."""

    class Typed(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        at: pl.Datetime(time_unit="us", time_zone="UTC")  # type: ignore[valid-type]
        amount: float = pa.Field(nullable=True)

        class Config:
            name = "raw.typed"

    table = pyarrow.table(
        {
            "id": pyarrow.array(["1", "-2", "x", None], pyarrow.large_string()),
            "at": pyarrow.array([datetime(2024, 1, d, 12, tzinfo=UTC) for d in (1, 2, 3, 4)], pyarrow.timestamp("s")),
            "amount": pyarrow.array(
                [Decimal("1.50"), None, Decimal("2.25"), Decimal("0.01")], pyarrow.decimal128(9, 2)
            ),
            "note": pyarrow.array([b"a", None, b"\x00\xff", b"d"], pyarrow.binary()),
            "_load_id": pyarrow.array(["L1"] * 4, pyarrow.string()).dictionary_encode(),
        }
    )
    audited = Auditor(Typed).audit(table)
    rejected = audited.rejected
    assert rejected.drop_columns(["_errors"]).equals(table.take([1, 2, 3]))
    assert rejected.schema.field("_errors").type == pyarrow.string()
    assert errors_of(rejected) == [
        {("id", "greater_than_or_equal_to(0)")},
        {("id", "dtype('Int64')")},
        {("id", "not_nullable")},
    ]
    # the valid row is stored in the schema's types
    assert audited.valid.column("id").to_pylist() == [1]
    assert audited.valid.schema.field("id").type == pyarrow.int64()
    assert audited.valid.schema.field("at").type == pyarrow.timestamp("us", tz="UTC")
    assert audited.valid.column("at").to_pylist() == [datetime(2024, 1, 1, 12, tzinfo=UTC)]
    assert audited.valid.column("note").to_pylist() == [b"a"]


def test_lossy_coercion_is_a_dtype_failure():
    class Ints(pa.DataFrameModel):
        n: int

        class Config:
            name = "raw.ints"

    audited = Auditor(Ints).audit(pyarrow.table({"n": [1.0, 1.5, float("nan"), 2.0**63]}))
    assert audited.valid.column("n").to_pylist() == [1]
    assert errors_of(audited.rejected) == [{("n", "dtype('Int64')")}] * 3


def test_row_numbers_count_across_batches():
    auditor = Auditor(Users)
    auditor.audit(users())
    auditor.audit(users(user_id=[5, 6, 7, 8], age=[1, 2, -3, -4]))
    report = auditor.report()
    assert not report.ok and report.rows_checked == 8
    (failure,) = report.failures
    assert (failure.column, failure.check, failure.count, failure.first_rows) == (
        "age",
        "greater_than_or_equal_to(0)",
        2,
        (6, 7),
    )


def test_uniqueness_spans_batches_and_prior_rows():
    auditor = Auditor(Users, prior=pyarrow.table({"user_id": [100, 4], "other": [1, 2]}))
    first = auditor.audit(users(user_id=[1, 2, 2, 4]))
    second = auditor.audit(users(user_id=[100, 1, 9, 10]))
    third = auditor.audit(users(user_id=[9, 11, 12, 13]).to_batches()[0])
    assert first.valid.column("user_id").to_pylist() == [1, 2]
    assert second.valid.column("user_id").to_pylist() == [9, 10]
    assert third.valid.column("user_id").to_pylist() == [11, 12, 13]
    unique = [f for f in auditor.report().failures if f.check == "field_uniqueness"]
    assert [(f.column, f.count, f.first_rows) for f in unique] == [("user_id", 5, (2, 3, 4, 5, 8))]


def test_audit_stream_joins_small_batches():
    table = users(user_id=[1, 2, 1, 3], age=[1, 2, 3, 400])
    auditor = Auditor(Users)
    audited = list(auditor.audit_stream(table.to_batches(max_chunksize=1), min_rows=3))
    assert [(a.valid.num_rows, a.rejected.num_rows) for a in audited] == [(2, 1), (0, 1)]
    assert [(f.column, f.first_rows) for f in auditor.report().failures] == [("user_id", (2,)), ("age", (3,))]


def test_uniqueness_holds_while_the_key_filter_grows():
    """Enough keys to rebuild the auditor's key filter several times; every repeat is caught."""
    auditor = Auditor(Pairs)
    kept = 0
    for start in range(0, 200_000, 40_000):
        a = pl.int_range(start, start + 50_000, eager=True)  # overlaps the previous batch by 10,000
        audited = auditor.audit(pl.DataFrame({"a": a}).with_columns(b=pl.lit("x")).to_arrow())
        kept += audited.valid.num_rows
    assert kept == 210_000
    (failure,) = auditor.report().failures
    assert failure.count == 40_000 and failure.first_rows[0] == 50_000


def test_a_key_is_claimed_by_its_first_row_even_if_that_row_fails():
    audited = Auditor(Users).audit(users(user_id=[1, 1, 2, 3], age=[-1, 5, 6, 7]))
    assert audited.valid.column("user_id").to_pylist() == [2, 3]
    assert errors_of(audited.rejected) == [
        {("age", "greater_than_or_equal_to(0)")},
        {("user_id", "field_uniqueness")},
    ]


def test_composite_keys_from_config_unique():
    auditor = Auditor(Pairs, prior=pyarrow.table({"a": [1], "b": ["x"]}))
    first = auditor.audit(pyarrow.table({"a": [1, 1, 2, 2], "b": ["x", "y", "y", "y"]}))
    second = auditor.audit(pyarrow.table({"a": [1, 3, None, None], "b": ["y", "y", "z", "z"]}))
    assert first.valid.to_pydict() == {"a": [1, 2], "b": ["y", "y"]}
    assert second.valid.to_pydict() == {"a": [3], "b": ["y"]}
    assert {f.check for f in auditor.report().failures} == {"multiple_fields_uniqueness", "not_nullable"}


def test_custom_checks_run_by_pandera():
    table = pyarrow.table({"low": [2, 3, 4, 6], "high": [5, 5, 1, 6]})
    audited = Auditor(Custom).audit(table)
    assert audited.valid.to_pydict() == {"low": [2, 6], "high": [5, 6]}
    assert errors_of(audited.rejected) == [{("low", "even")}, {(None, "ordered")}]


def test_warn_commits_what_can_be_stored():
    table = users(age=["30", "-1", "x", "50"])
    auditor = Auditor(Users, on_invalid="warn")
    audited = auditor.audit(table)
    assert audited.valid.column("age").to_pylist() == [30, -1, 50]
    assert errors_of(audited.rejected) == [{("age", "dtype('Int64')")}]
    assert not auditor.report().ok


def test_fail_policy_raises_without_values():
    auditor = Auditor(Strict)
    auditor.audit(pyarrow.table({"id": [1, None], "name": ["secret@example.org", None]}))
    report = auditor.report()
    enforce(report, "quarantine")
    with pytest.raises(FailedChecks) as caught:
        enforce(report, auditor.policy)
    message = str(caught.value)
    assert "raw.strict" in message and "'id'" in message and "not_nullable" in message
    assert "secret" not in message
    assert caught.value.report is report


def test_columns_starting_with_underscore_are_not_checked():
    table = pyarrow.table({"id": [1], "name": ["n"], "_load_id": [None], "_errors": ["x"]})
    assert Auditor(Strict).audit(table).valid.num_rows == 1


def test_strict_filter_drops_unknown_columns_from_valid_rows():
    class Filtered(pa.DataFrameModel):
        id: int

        class Config:
            name = "raw.filtered"
            strict = "filter"

    audited = Auditor(Filtered).audit(pyarrow.table({"id": [1, None], "extra": ["a", "b"], "_load_id": ["l", "l"]}))
    assert audited.valid.column_names == ["id", "_load_id"]
    assert audited.rejected.column_names == ["id", "extra", "_load_id", "_errors"]


# --- drift ----------------------------------------------------------------------------------


def test_drift_names_every_column_and_no_values():
    schema = pyarrow.schema(
        [("id", pyarrow.list_(pyarrow.int64())), ("extra", pyarrow.string()), ("_load_id", pyarrow.string())]
    )
    with pytest.raises(SchemaDrift) as caught:
        check_drift(Strict, schema, source="s3://bucket/part-1.csv")
    problems = caught.value.problems
    assert set(problems) == {"id", "name", "extra"}
    assert "missing" in problems["name"] and "strict" in problems["extra"] and "cannot become" in problems["id"]
    assert "s3://bucket/part-1.csv" in str(caught.value) and "raw.strict" in str(caught.value)


def test_coercible_types_and_optional_columns_are_not_drift():
    check_drift(
        Users,
        pyarrow.schema(
            [
                ("user_id", pyarrow.string()),
                ("email", pyarrow.large_string()),
                ("score", pyarrow.int32()),
                ("country", pyarrow.string()),
                ("anything", pyarrow.binary()),
            ]
        ),
        source="f.csv",
    )


def test_auditor_raises_drift_before_splitting():
    with pytest.raises(SchemaDrift, match="'name'"):
        Auditor(Strict, source="f.csv").audit(pyarrow.table({"id": [1]}))


# --- metadata tables' own schemas -----------------------------------------------------------


def load_row(**overrides: object) -> dict[str, list]:
    row: dict[str, object] = {
        "table": "raw.users",
        "load_id": "20261125T120000.000001-abc",
        "version": 3,
        "job": "ingest",
        "mode": "append",
        "files": json.dumps([{"uri": "file:///d/u.csv", "size": 10, "checksum": "sha256:00"}]),
        "rows": 10,
        "quarantined": 0,
        "metadata": "{}",
        "lakekit_version": "0.1.0",
        "git_commit": None,
        "user": "ci",
        "host": "box",
        "committed_at": datetime(2026, 11, 25, tzinfo=UTC),
    }
    row.update(overrides)
    return {k: [v] for k, v in row.items()}


def test_metadata_schemas_accept_good_rows_and_reject_malformed_ones():
    metadata_schemas = catalog.load("lakekit.index.schemas")
    loads, validations = metadata_schemas.find("_lakekit.loads"), metadata_schemas.find("_lakekit.validations")
    assert loads is not None and validations is not None
    good = Auditor(loads).audit(pyarrow.table(load_row()))
    assert good.rejected.num_rows == 0
    bad = Auditor(loads).audit(pyarrow.table(load_row(mode="upsert", rows=-1, files="uri")))
    assert bad.valid.num_rows == 0
    assert {c for c, _ in errors_of(bad.rejected)[0]} == {"mode", "rows", "files"}
    with pytest.raises(SchemaDrift, match="'surprise'"):
        Auditor(loads).audit(pyarrow.table({**load_row(), "surprise": [1]}))
    report = ValidationReport(True, 1, "raw.users", "m.Users", schema_hash(Users), 4, ())
    row = {
        **{k: [v] for k, v in report.asdict().items() if k != "failures"},
        "failures": ["[]"],
        "validated_at": [datetime(2026, 11, 25, tzinfo=UTC)],
    }
    assert Auditor(validations).audit(pyarrow.table(row)).rejected.num_rows == 0


# --- the verdict against an independent, row-by-row evaluation -------------------------------


class Small(pa.DataFrameModel):
    k: int = pa.Field(unique=True)
    n: int | None = pa.Field(nullable=True, ge=-5, lt=5)
    s: str = pa.Field(str_matches=r"[ab]+c?$")

    class Config:
        name = "raw.small"


def expected_failures(rows: list[dict], seen: set) -> list[bool]:
    """Row by row in plain Python: which rows break Small (``seen``: keys claimed before)."""
    failing = []
    for row in rows:
        bad = row["s"] is None or not re.match(r"^[ab]+c?$", row["s"])
        bad |= row["n"] is not None and not -5 <= row["n"] < 5
        bad |= row["k"] is None or row["k"] in seen
        seen.add(row["k"])
        failing.append(bad)
    return failing


small_rows = st.lists(
    st.fixed_dictionaries(
        {
            "k": st.one_of(st.none(), st.integers(-20, 20)),
            "n": st.one_of(st.none(), st.integers(-8, 8)),
            "s": st.one_of(st.none(), st.text(alphabet="abcx", max_size=4)),
        }
    ),
    max_size=40,
)


@settings(max_examples=60)
@given(batches=st.lists(small_rows, min_size=1, max_size=3), prior=st.sets(st.integers(-20, 20), max_size=5))
def test_valid_and_rejected_partition_the_input_as_a_direct_evaluation_says(batches, prior):
    schema = pyarrow.schema([("k", pyarrow.int64()), ("n", pyarrow.int64()), ("s", pyarrow.string())])
    auditor = Auditor(Small, prior=pyarrow.table({"k": sorted(prior)}, schema=pyarrow.schema([schema.field("k")])))
    seen = set(prior)
    for rows in batches:
        table = pyarrow.Table.from_pylist(rows, schema=schema)
        audited = auditor.audit(table)
        failing = expected_failures(rows, seen)
        assert audited.valid.to_pylist() == [r for r, f in zip(rows, failing, strict=True) if not f]
        assert audited.rejected.drop_columns(["_errors"]).to_pylist() == [
            r for r, f in zip(rows, failing, strict=True) if f
        ]
    report = auditor.report()
    assert report.rows_checked == sum(map(len, batches))
    assert report.ok == (not any(f.count for f in report.failures))


def test_plan_compiles_builtins_and_leaves_custom_checks_to_pandera():
    plan = compile_plan(Custom, {"low": pl.Int64(), "high": pl.Int64()})
    assert [r.check for r in plan.rules] == ["not_nullable", "not_nullable"]
    assert [c.name for c in plan.custom] == ["even", "ordered"]
    plan = compile_plan(Users, pl.from_arrow(users().schema.empty_table()).schema)  # type: ignore[union-attr]
    assert not plan.custom and len(plan.keys) == 1
