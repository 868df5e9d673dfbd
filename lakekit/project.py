"""A lakekit project: a folder whose ``lakekit.toml`` names its lake, its schema folder (or package),
its transforms folder, its default SQL dialect and the environment variables holding the lake's
storage options — variable *names*, never secrets. Paths in the file are relative to it.

``lakekit init`` scaffolds one, as ``dbt init`` does: the file, a ``schemas/`` folder with one
commented example model, a ``transforms/`` folder, a ``.gitignore`` for the lake folder, and the
lake itself.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from lakekit.errors import UsageError
from lakekit.features import FeatureView, views_from_config
from lakekit.lake import Lake
from lakekit.transform.engines import ENGINES, EngineName
from lakekit.transform.query import DEFAULT_DIALECT
from lakekit.write.catalog import Source

CONFIG = "lakekit.toml"
DEFAULT_LAKE = "lake"
_KEYS = {"lake", "schemas", "schema_package", "transforms", "dialect", "storage", "features", "engine", "spark"}


@dataclass(frozen=True)
class Project:
    """What a ``lakekit.toml`` says (the defaults when there is none: ``./lake``, no schemas)."""

    folder: Path
    lake: str = DEFAULT_LAKE
    schemas: Source = None
    transforms: Path | None = None
    dialect: str = DEFAULT_DIALECT
    """The SQL dialect of ``lakekit sql``, ``transform`` and ``run-transforms`` when neither an
    option nor a file's header names one."""
    storage_env: Mapping[str, str] = field(default_factory=dict)
    """Storage option → the environment variable holding its value."""
    features: tuple[FeatureView, ...] = ()
    """Feature views declared under ``[features.<name>]``."""
    engine: EngineName = "duckdb"
    """What runs the SQL of ``lakekit sql``, ``transform`` and ``run-transforms`` when no option names one."""
    spark: str | None = None
    """The Spark session: a master URL (``local[2]``, ``spark://host:7077``) or ``sc://host:15002``."""

    @classmethod
    def load(cls, path: str | Path = ".") -> Project:
        """The project of ``path``: a ``lakekit.toml``, or a folder holding one (or none)."""
        path = Path(path)
        config = path if path.suffix == ".toml" else path / CONFIG
        if not config.is_file():
            if path.suffix == ".toml":
                raise UsageError(f"no project file '{config}'")
            return cls(path)
        try:
            data = tomllib.loads(config.read_text())
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"{config}: {e}") from None
        return _parse(config, data)

    def storage_options(self) -> dict[str, str]:
        """The storage options, each read from its environment variable (all of them must be set)."""
        missing = sorted(v for v in self.storage_env.values() if v not in os.environ)
        if missing:
            raise UsageError(f"{CONFIG} reads storage options from environment variables that are not set: "
                             f"{', '.join(missing)}")
        return {option: os.environ[variable] for option, variable in self.storage_env.items()}

    def root(self, lake: str | None = None) -> str:
        """The lake root: ``lake`` as given (relative to the current folder), else the project's."""
        if lake is not None:
            return lake
        return self.lake if "://" in self.lake else str(self.folder / self.lake)

    def open(self, lake: str | None = None, *, create: bool = False, spark: str | None = None) -> Lake:
        """The project's lake (or ``lake``), governed by its schemas, running SQL on its engine (on
        the Spark session ``spark``, else its own); a missing root is :class:`~lakekit.errors.NoLake`
        unless ``create``."""
        return Lake(self.root(lake), self.storage_options(), schemas=self.schemas, create=create,
                    feature_views=self.features, dialect=self.dialect, engine=self.engine,
                    spark=spark or self.spark)


def _text(config: Path, data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{config}: '{key}' must be text")
    return value


def _parse(config: Path, data: Mapping[str, Any]) -> Project:
    if unknown := sorted(set(data) - _KEYS):
        raise UsageError(f"{config}: unknown setting '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})")
    folder = config.parent
    schemas, package, transforms = (_text(config, data, k) for k in ("schemas", "schema_package", "transforms"))
    if schemas is not None and package is not None:
        raise UsageError(f"{config}: give 'schemas' (a folder) or 'schema_package' (a module name), not both")
    if schemas is not None and "/" not in schemas and "." in schemas and not (folder / schemas).is_dir():
        raise UsageError(f"{config}: 'schemas' is a folder and there is no '{schemas}' (for a package: "
                         f"schema_package = \"{schemas}\")")
    storage = data.get("storage", {})
    env = storage.get("env", {}) if isinstance(storage, dict) else None
    if not isinstance(env, dict) or set(storage) - {"env"} or not all(isinstance(v, str) for v in env.values()):
        raise UsageError(f"{config}: storage options are given as [storage.env] OPTION = \"VARIABLE_NAME\"")
    engine = _text(config, data, "engine") or "duckdb"
    if engine not in ENGINES:
        raise UsageError(f"{config}: unknown engine '{engine}' (known: {', '.join(ENGINES)})")
    return Project(folder, lake=_text(config, data, "lake") or DEFAULT_LAKE,
                   schemas=folder / schemas if schemas is not None else package,
                   transforms=folder / transforms if transforms is not None else None,
                   dialect=_text(config, data, "dialect") or DEFAULT_DIALECT, storage_env=dict(env),
                   features=tuple(views_from_config(data, str(config))), engine=cast(EngineName, engine),
                   spark=_text(config, data, "spark"))


CONFIG_TEMPLATE = '''\
# A lakekit project. `lakekit` commands run in this folder read this file; paths are relative to it.
lake = "{lake}"                # the lake root: a folder, or an object store URI (s3://bucket/prefix)
schemas = "schemas"          # pandera models; each governs the table named in its Config.name
transforms = "transforms"    # SQL transforms, run by `lakekit run-transforms`
dialect = "duckdb"           # the default SQL dialect of `lakekit sql`, `transform`, `run-transforms` (sqlglot's names)
# engine = "spark"           # what runs that SQL: duckdb (the default), or spark (pip install 'lakekit[spark]')
# spark = "local[2]"         # its session: a master URL (spark://host:7077) or Spark Connect (sc://host:15002)

# Storage options of an object-store lake, each read from the environment variable named here:
# this file holds variable names, never secrets.
# [storage.env]
# AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
# AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
# AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
'''

EXAMPLE_SCHEMA = '''\
"""Schemas of this project's tables: one pandera (polars) DataFrameModel per table.

A model governs the table named in its ``Config.name``: every write to that table is checked
against it before it commits (failing rows go to quarantine, see ``lakekit quarantine``), and the
lake records it with the table. Fields tagged ``metadata={"pii": kind}`` hold personal data:
``lakekit gdpr find email=...`` finds a person through them. Files here may import each other
relatively (``from .customers import EMAIL``). This example governs ``raw.customers``; rename it
or delete it.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl  # pandera reads the annotations below in this module's globals

EMAIL = r"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"


class Customers(pa.DataFrameModel):
    """One row per customer account."""

    customer_id: int = pa.Field(unique=True, gt=0, metadata={"pii": "customer_id"})  # unique across the table
    email: str = pa.Field(str_matches=EMAIL, metadata={"pii": "email"})
    country: str = pa.Field(str_matches=r"^[A-Z]{2}$")
    signed_up: pl.Datetime = pa.Field(coerce=True)  # ISO text in a CSV becomes a timestamp

    class Config:
        name = "raw.customers"  # the table this model governs
'''


def init(folder: str | Path = ".", lake: str | None = None) -> tuple[Project, list[Path]]:
    """Scaffold a project in ``folder`` (made when missing) whose lake is ``lake`` (default ``lake``)
    and create the lake; files already there are kept, and a ``lake`` other than the one an existing
    ``lakekit.toml`` names is refused. Returns the project and the paths it created."""
    base = Path(folder)
    if (base / CONFIG).is_file() and lake is not None and (named := Project.load(base).lake) != lake:
        raise UsageError(f"{base / CONFIG} already names the lake '{named}': change it there, or start the "
                         "project in another folder")
    lake = lake or DEFAULT_LAKE
    files = {
        base / CONFIG: CONFIG_TEMPLATE.format(lake=lake),
        base / "schemas" / "customers.py": EXAMPLE_SCHEMA,
        base / "transforms" / ".gitkeep": "",
        base / ".gitignore": f"/{lake.strip('/')}/\n" if "://" not in lake else "",
    }
    created = []
    for path, text in files.items():
        if path.exists() or (path.name == ".gitignore" and not text):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        created.append(path)
    project = Project.load(base)
    project.open(create=True)
    return project, created
