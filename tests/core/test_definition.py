"""Schema definitions: a model rebuilt from its definition has the same definition, hash and name."""

from __future__ import annotations

import importlib
from typing import Any

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakekit.core.definition import describe, differences, parse_dtype, rebuild, schema_hash, schema_name
from lakekit.errors import LakekitError

NUMBERS = st.integers(-1000, 1000)
WORDS = st.text("abcxyz@._-", min_size=1, max_size=6)
NUMERIC_CHECKS = st.one_of(
    st.builds(lambda v: {"gt": v}, NUMBERS), st.builds(lambda v: {"le": v}, NUMBERS),
    st.builds(lambda v: {"isin": v}, st.lists(NUMBERS, min_size=1, max_size=3)),
    st.builds(lambda v: {"notin": v}, st.sets(NUMBERS, min_size=1, max_size=3)),
    st.builds(lambda a, b: {"in_range": {"min_value": min(a, b), "max_value": max(a, b) + 1, "include_max": False}},
              NUMBERS, NUMBERS),
)
TEXT_CHECKS = st.one_of(
    st.builds(lambda v: {"str_startswith": v}, WORDS), st.builds(lambda v: {"str_matches": f"^{v}"}, WORDS),
    st.builds(lambda v: {"str_length": {"min_value": v}}, st.integers(0, 5)),
    st.builds(lambda v: {"isin": v}, st.lists(WORDS, min_size=1, max_size=3)),
)
DTYPES = st.sampled_from([
    (int, NUMERIC_CHECKS), (float, NUMERIC_CHECKS), (str, TEXT_CHECKS), (bool, st.none()),
    (pl.Date, st.none()), (pl.Datetime("us", "UTC"), st.none()), (pl.Datetime("ns"), st.none()),
    (pl.Decimal(12, 2), st.none()), (pl.List(pl.Int64), st.none()), (pl.Struct({"a": pl.String}), st.none()),
])


@st.composite
def models(draw: st.DrawFn) -> Any:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 5))):
        dtype, checks = draw(DTYPES)
        name = f"c{i}"
        annotations[name] = dtype
        options: dict[str, Any] = draw(st.fixed_dictionaries({}, optional={
            "nullable": st.booleans(), "unique": st.booleans(), "coerce": st.booleans(),
            "metadata": st.builds(lambda k: {"pii": k}, st.sampled_from(["email", "ip", "user_id"])),
        }))
        options.update(draw(checks) or {})
        namespace[name] = pa.Field(**options)
    config = type("Config", (), {"name": "raw.t", "strict": draw(st.sampled_from([False, True, "filter"])),
                                 "metadata": draw(st.sampled_from([None, {"on_invalid": "warn"}]))})
    return type("Generated", (pa.DataFrameModel,),
                {"__annotations__": annotations, **namespace, "Config": config, "__module__": __name__})


@settings(max_examples=60)
@given(models())
def test_a_rebuilt_model_describes_and_hashes_as_the_original(model: Any) -> None:
    definition = describe(model)
    again = rebuild(definition, schema_name(model))
    assert describe(again) == definition and schema_hash(again) == schema_hash(model)
    assert schema_name(again) == schema_name(model) and again.__config__.name == "raw.t"
    assert describe(rebuild(describe(again), schema_name(again))) == definition


@pytest.mark.parametrize("module", ["schemas.raw", "schemas.derived", "lakekit.index.schemas",
                                    "tests.gdpr.gdpr_models"])
def test_every_schema_of_the_repository_rebuilds(module: str) -> None:
    found = [m for m in vars(importlib.import_module(module)).values()
             if isinstance(m, type) and issubclass(m, pa.DataFrameModel) and m.__module__ == module]
    assert found
    for model in found:
        assert schema_hash(rebuild(describe(model), schema_name(model))) == schema_hash(model)


@pytest.mark.parametrize("text", ["__import__('os')", "Int64.__class__", "open('x')", "List(Int64", "Frobnicate"])
def test_a_dtype_is_read_without_evaluating_anything_else(text: str) -> None:
    with pytest.raises(LakekitError, match="dtype lakekit does not know"):
        parse_dtype(text)


def test_differences_name_columns_and_tags() -> None:
    class A(pa.DataFrameModel):
        email: str = pa.Field(metadata={"pii": "email"})
        age: int = pa.Field(ge=0)

        class Config:
            name = "raw.a"

    class B(pa.DataFrameModel):
        email: str
        age: int = pa.Field(ge=1)
        city: str

        class Config:
            name = "raw.a"
            strict = True

    assert differences(describe(A), describe(B)) == [
        "column 'age' changes its checks", "column 'city' is new", "column 'email' PII tag email -> none",
        "the schema's strict change"]
