"""Schema catalogs: a folder by path, a package by name, or nothing; a source that cannot load is an error."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from lakekit.errors import DuplicateSchema, SchemasNotLoaded
from lakekit.write import catalog

MODEL = textwrap.dedent(
    """
    from __future__ import annotations
    import pandera.polars as pa
    import polars as pl

    class {cls}(pa.DataFrameModel):
        id: int
        class Config:
            name = "{table}"
    """
)


@pytest.fixture
def schema_package(tmp_path, monkeypatch):
    """A throwaway schema package ``lk_schemas_<n>`` with a submodule, importable for one test."""
    name = f"lk_schemas_{len(sys.modules)}"
    package = tmp_path / name
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text(MODEL.format(cls="Events", table="raw.events"))
    (package / "sub" / "b.py").write_text(MODEL.format(cls="Clicks", table="raw.clicks"))
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_a_package_by_name_walks_its_submodules(schema_package):
    found = catalog.load(schema_package.name)
    assert found.find("raw.clicks").__name__ == "Clicks"
    assert found.find("raw.events").__name__ == "Events"
    assert found.find("raw.nothing") is None


def test_two_models_claiming_one_table_is_an_error(schema_package):
    (schema_package / "c.py").write_text(MODEL.format(cls="Other", table="raw.events"))
    with pytest.raises(DuplicateSchema, match=r"raw\.events"):
        catalog.load(schema_package.name).find("raw.events")


def test_no_source_finds_nothing():
    assert catalog.load(None).find("raw.users") is None


def test_a_package_that_does_not_exist_is_an_error_naming_it():
    with pytest.raises(SchemasNotLoaded, match=r"no schema package 'no_such_schemas'.*'\./no_such_schemas'"):
        catalog.load("no_such_schemas")


def test_a_folder_by_path_is_its_own_package_whatever_else_is_named_like_it(tmp_path, schema_package):
    folder = tmp_path / "project" / schema_package.name  # named like an importable package
    folder.mkdir(parents=True)
    (folder / "raw.py").write_text(MODEL.format(cls="Orders", table="raw.orders") + 'PATTERN = "^o"\n')
    (folder / "derived.py").write_text(MODEL.format(cls="Totals", table="clean.totals") + "from .raw import PATTERN\n")
    found = catalog.load(folder)
    assert found.find("raw.events") is None  # not the installed package of that name
    assert found.find("clean.totals").__name__ == "Totals"
    assert catalog.load(str(folder)).find("raw.orders") is found.find("raw.orders")
    assert catalog.load(schema_package.name).find("raw.orders") is None


def test_text_that_is_not_a_module_name_is_a_path(tmp_path, monkeypatch):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "m.py").write_text(MODEL.format(cls="Orders", table="raw.orders"))
    monkeypatch.chdir(tmp_path)
    assert catalog.load("./schemas").find("raw.orders") is not None
    assert catalog.load(Path("schemas")).find("raw.orders") is not None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "schema folder '{folder}' does not exist"),
        ({"broken.py": "def (:\n"}, "cannot load schema folder '{folder}' (module broken): SyntaxError"),
        ({"__init__.py": "import nowhere_to_be_found\n"},
         "cannot load schema folder '{folder}': __init__.py: ModuleNotFoundError"),
    ],
)
def test_a_folder_that_cannot_load_is_an_error_naming_it(tmp_path, files, message):
    folder = tmp_path / "schemas"
    if files:
        folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    with pytest.raises(SchemasNotLoaded) as e:
        catalog.load(folder)
    assert str(e.value).startswith(message.format(folder=folder))


def test_a_folder_fixed_after_a_failed_load_loads(tmp_path):
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "m.py").write_text("def (:\n")
    with pytest.raises(SchemasNotLoaded):
        catalog.load(folder)
    (folder / "m.py").write_text(MODEL.format(cls="Orders", table="raw.orders"))
    assert catalog.load(folder).find("raw.orders") is not None
