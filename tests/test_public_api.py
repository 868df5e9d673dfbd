"""The public surface: ``import lakekit`` gives every result type and every error, and the
``Lake``'s internals stay internal (deprecated where they used to be reachable)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest

import lakekit as lk


def _defined_in_lakekit() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(lk.__path__, prefix="lakekit."):
        if info.name == "lakekit.__main__":
            continue
        module = importlib.import_module(info.name)
        found += [obj for obj in vars(module).values()  # a private base (``_RunWrite``) is never handed out
                  if inspect.isclass(obj) and obj.__module__ == module.__name__ and not obj.__name__.startswith("_")]
    return found


def test_every_result_type_and_error_is_exported_from_the_top() -> None:
    classes = _defined_in_lakekit()
    results = {c for c in classes if issubclass(c, lk.Result) and c is not lk.Result}
    errors = {c for c in classes if issubclass(c, lk.LakekitError | lk.InternalError)}
    assert len(results) > 20 and len(errors) > 20
    missing = sorted(c.__qualname__ for c in results | errors if getattr(lk, c.__name__, None) is not c)
    assert missing == []
    exported = {getattr(lk, name) for name in lk.__all__}
    assert results | errors <= exported


def test_the_error_families_are_told_apart_by_type() -> None:
    assert issubclass(lk.TableNotFound, lk.NotFound) and issubclass(lk.RunNotFound, lk.NotFound)
    assert issubclass(lk.Conflict, lk.Transient) and issubclass(lk.TooManyConflicts, lk.Transient)
    assert not issubclass(lk.InternalError, lk.LakekitError)  # a bug is shown as a bug


def test_lake_storage_is_internal_and_its_old_name_warns(lake: lk.Lake) -> None:
    with pytest.warns(DeprecationWarning, match="Lake.storage is internal"):
        storage = lake.storage
    assert storage is lake._storage
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lake.tables() == []


def test_options_are_keyword_only(lake: lk.Lake) -> None:
    with pytest.raises(TypeError):
        lake.ingest("raw.t", "a.csv", "csv")  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        lake.transform("a.b", "SELECT 1 AS x", "duckdb")  # type: ignore[misc]
