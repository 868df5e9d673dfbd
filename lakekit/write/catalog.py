"""Schema catalogs: the pandera models a lake is told about, each governing the table named in its
``Config.name``.

A catalog is a folder of Python files (found by path: a project's ``schemas/``), an importable
package or module (found by name: ``"tests.gdpr.gdpr_models"``), or nothing. A folder is imported
as a package of its own under a private name, so it never collides with an installed package
called like it; its files import each other relatively (``from .raw import EMAIL``). A source
that cannot be loaded is an error naming it, never an empty catalog.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import pkgutil
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from lakekit.core.definition import FOLDER_PACKAGE, schema_name
from lakekit.core.model import Model
from lakekit.errors import DuplicateSchema, SchemasNotLoaded

Source = str | Path | None
"""Where models come from: a folder (a :class:`~pathlib.Path`, or text that is not a dotted
module name, such as ``"./schemas"``), a package or module by name, or None."""

_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class Catalog:
    """The models of one source, by the table each claims."""

    source: str
    """The source as the user named it (``"none"`` for no source)."""
    claims: Mapping[str, tuple[Model, ...]]

    def find(self, table: str) -> Model | None:
        """The model claiming ``table``; None when none does, :class:`DuplicateSchema` when two do."""
        found = self.claims.get(table, ())
        if len(found) > 1:
            raise DuplicateSchema(table, tuple(sorted(schema_name(m) for m in found)))
        return found[0] if found else None


NONE = Catalog("none", {})


def load(source: Source) -> Catalog:
    """The catalog of ``source``; :class:`SchemasNotLoaded` naming it when it cannot be loaded."""
    if source is None:
        return NONE
    if isinstance(source, Path) or not _MODULE_NAME.fullmatch(source):
        return _catalog(str(source), _folder(Path(source)))
    return _catalog(source, _package(source))


def _catalog(source: str, modules: list[ModuleType]) -> Catalog:
    import pandera.polars as pa

    claims: dict[str, dict[int, Model]] = {}
    for module in modules:
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, pa.DataFrameModel) and obj.__config__ is not None
                    and isinstance(obj.__config__.name, str)):
                claims.setdefault(obj.__config__.name, {})[id(obj)] = obj
    return Catalog(source, {table: tuple(found.values()) for table, found in claims.items()})


def _package(name: str) -> list[ModuleType]:
    try:
        root = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name is not None and (name == e.name or name.startswith(f"{e.name}.")):
            raise SchemasNotLoaded(f"no schema package '{name}' can be imported from here (a folder is given "
                                   f"by its path, e.g. './{name.replace('.', '/')}')") from None
        raise SchemasNotLoaded(f"cannot load schema package '{name}': {type(e).__name__}: {e}") from None
    except Exception as e:
        raise SchemasNotLoaded(f"cannot load schema package '{name}': {type(e).__name__}: {e}") from None
    return [root, *_submodules(root, f"schema package '{name}'")]


def _submodules(root: ModuleType, label: str) -> list[ModuleType]:
    modules = []
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), prefix=f"{root.__name__}."):
        try:
            modules.append(importlib.import_module(info.name))
        except Exception as e:
            where = info.name.removeprefix(f"{root.__name__}.")
            raise SchemasNotLoaded(f"cannot load {label} (module {where}): {type(e).__name__}: {e}") from None
    return modules


def _folder(folder: Path) -> list[ModuleType]:
    path = folder.expanduser().resolve()
    if not path.is_dir():
        raise SchemasNotLoaded(f"schema folder '{folder}' does not exist")
    name = FOLDER_PACKAGE + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    if name in sys.modules:
        root = sys.modules[name]
    else:
        init = path / "__init__.py"
        spec = (importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(path)])
                if init.is_file() else importlib.machinery.ModuleSpec(name, None, is_package=True))
        assert spec is not None
        spec.submodule_search_locations = [str(path)]
        root = importlib.util.module_from_spec(spec)
        sys.modules[name] = root
        try:
            if spec.loader is not None:
                spec.loader.exec_module(root)
        except Exception as e:
            _forget(name)
            raise SchemasNotLoaded(f"cannot load schema folder '{folder}': __init__.py: {type(e).__name__}: {e}") \
                from None
    try:
        return [root, *_submodules(root, f"schema folder '{folder}'")]
    except SchemasNotLoaded:
        _forget(name)
        raise


def _forget(package: str) -> None:
    """Drop a folder's modules after a failed load, so a corrected folder loads afresh."""
    for loaded in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[loaded]
