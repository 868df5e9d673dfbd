"""Provenance: what lakekit writes into every commit it makes, as one typed record per kind of write.

A commit's record says which write made it (a load, a transform, a model run's write or
predictions, an erasure: :data:`~lakekit.core.results.Operation`), what that write needs to be
understood or redone (files and fingerprints, SQL and pinned inputs...), and who and where: user,
host, lakekit and Python versions, the caller's git commit (read once per process; the working
directory's, with ``git_dirty`` when it has uncommitted changes).

Records are built here and read back here: :meth:`Provenance.commit` stores one as JSON under
the commit's ``"lakekit"`` key, :func:`from_commit` turns a commit of ``history()`` back into its
record (keys a record does not know are ignored, missing optional ones take their defaults, so a
commit of an older or newer lakekit still reads). A commit lakekit did not make (a vacuum,
another Delta writer) reads as the bare :class:`Provenance`, whose ``operation`` is None.

For code written against the dict lakekit used to return, a record still answers
``record["load_id"]`` and ``record.get(...)``, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import dataclasses
import functools
import getpass
import json
import platform
import secrets
import socket
import subprocess
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from lakekit.core.results import Operation, Result, SourceFile, WriteMode
from lakekit.storage.delta import Commit

PROVENANCE_KEY = "lakekit"
"""The key of a commit's custom metadata under which lakekit keeps its record."""

_PACKAGES = ("deltalake", "pyarrow", "polars", "pandera", "sqlglot", "duckdb")


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@functools.cache
def caller() -> dict[str, str]:
    """Who and where: user, host and lakekit version (what an audit row names; no git, no package
    versions, which cost ~40 ms of CPU and two ``git`` processes the first time)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"lakekit_version": _package("lakekit") or "0", "user": user, "host": socket.gethostname()}


@functools.cache
def environment() -> dict[str, Any]:
    """The process's provenance, as JSON-ready values."""
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no")) if commit else None
    who = caller()
    return {
        "lakekit_version": who["lakekit_version"],
        "git_commit": commit,
        "git_dirty": dirty,
        "user": who["user"],
        "host": who["host"],
        "python": platform.python_version(),
        "packages": {p: _package(p) for p in _PACKAGES},
    }


RANDOM_HEX = 4
"""How many random hex digits end an id (:func:`new_id`)."""


def new_id() -> str:
    """A new id for a write or a run: the UTC time to the microsecond, then 4 random hex digits.

    Ids made later sort later (to the clock's resolution), so sorting load, transform or run
    ids orders them in time; the random suffix keeps apart ids made in the same microsecond
    by two processes.

    >>> a = new_id(); b = new_id(); a < b or a[:23] == b[:23]
    True
    """
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(RANDOM_HEX // 2)}"


def now() -> datetime:
    """The current time, UTC, microsecond precision (what Delta stores)."""
    return datetime.now(UTC)


def _here(key: str) -> Callable[[], Any]:
    """The default of an environment field: this process's value."""
    return lambda: environment()[key]


@dataclass(frozen=True, kw_only=True)
class Provenance(Result):
    """Who and where made a commit; the base of every kind of record. Made here, the fields
    default to this process's environment. As itself (``operation`` None): a commit lakekit did
    not make."""

    operation: Operation | None = None
    lakekit_version: str | None = field(default_factory=_here("lakekit_version"))
    git_commit: str | None = field(default_factory=_here("git_commit"))
    git_dirty: bool | None = field(default_factory=_here("git_dirty"))
    user: str | None = field(default_factory=_here("user"))
    host: str | None = field(default_factory=_here("host"))
    python: str | None = field(default_factory=_here("python"))
    packages: dict[str, str | None] = field(default_factory=_here("packages"))

    @property
    def by(self) -> str | None:
        """The load, transform, run or request that made the commit."""
        return None

    @property
    def write_id(self) -> str | None:
        """The id of the one write that made the commit, as its rows carry it (``_load_id``, its
        quarantined rows): the load, transform or request id; a run's n-th write to a table is
        ``run:<run id>:<n>``."""
        return self.by

    def to_json(self) -> dict[str, Any]:
        """The record as stored in the commit (nothing for a commit lakekit did not make)."""
        return self.asdict() if self.operation is not None else {}

    def commit(self, transactions: Mapping[str, int]) -> Commit:
        """An exclusive commit carrying this record and the app ``transactions``."""
        return Commit({PROVENANCE_KEY: json.dumps(self.to_json(), default=str)}, transactions, exclusive=True)

    def _deprecated(self) -> dict[str, Any]:
        warnings.warn("provenance is a typed record: read its attributes (provenance.load_id) instead of "
                      "provenance['load_id']", DeprecationWarning, stacklevel=3)
        return self.to_json()

    def __getitem__(self, key: str) -> Any:
        return self._deprecated()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._deprecated()

    def get(self, key: str, default: Any = None) -> Any:
        """Deprecated: the record's dict form, as lakekit used to return it."""
        return self._deprecated().get(key, default)


@dataclass(frozen=True, kw_only=True)
class LoadProvenance(Provenance):
    """A load (``Lake.ingest``): its files with their fingerprints, the caller's metadata, and the
    schema that validated it (``schema_hash`` set: a verdict is due for the version)."""

    operation: Literal["ingest"] = "ingest"
    load_id: str
    job: str
    mode: WriteMode
    keys: tuple[str, ...] = ()
    files: tuple[SourceFile, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    schema: str | None = None
    schema_hash: str | None = None

    @property
    def by(self) -> str:
        return self.load_id


@dataclass(frozen=True, kw_only=True)
class TransformProvenance(Provenance):
    """A transform: its SQL and the input versions it read (and, incremental, those it read last
    time), enough to derive its lineage again."""

    operation: Literal["transform"] = "transform"
    transform_id: str
    sql: str
    sql_hash: str
    dialect: str
    mode: WriteMode
    keys: tuple[str, ...] = ()
    inputs: dict[str, int] = field(default_factory=dict)
    incremental: bool = False
    previous_inputs: dict[str, int] | None = None
    source: str | None = None
    job: str
    schema: str | None = None
    schema_hash: str | None = None
    engine: str | None = None
    """The engine that ran the SQL and its version (``duckdb 1.4.2``, ``spark 4.3.0``); ``None`` in
    records older than the choice of engine (DuckDB ran them)."""

    @property
    def by(self) -> str:
        return self.transform_id


@dataclass(frozen=True, kw_only=True)
class _RunWrite(Provenance):
    """A model run's ``seq``-th write: made by the run, written as ``run:<id>:<seq>``."""

    run_id: str
    seq: int

    @property
    def by(self) -> str:
        return self.run_id

    @property
    def write_id(self) -> str:
        return f"run:{self.run_id}:{self.seq}"


@dataclass(frozen=True, kw_only=True)
class RunProvenance(_RunWrite):
    """A model run's ``seq``-th write to a table, with the versions the run had read by then."""

    operation: Literal["run"] = "run"
    run_name: str
    mode: WriteMode
    keys: tuple[str, ...] = ()
    inputs: dict[str, int] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    schema: str | None = None
    schema_hash: str | None = None
    lineage: dict[str, str] = field(default_factory=dict)
    """Column written → ``table.column`` read that it copies (declared, or read under the same name)."""


@dataclass(frozen=True, kw_only=True)
class PredictionsProvenance(_RunWrite):
    """A model run's ``seq``-th version of its predictions table."""

    operation: Literal["predictions"] = "predictions"


@dataclass(frozen=True, kw_only=True)
class ErasureProvenance(Provenance):
    """A GDPR erasure of a table (a commit changing no file, after its history was rewritten): the
    request, the subject (a salted hash), what was removed."""

    operation: Literal["erase"] = "erase"
    request_id: str
    subject: str
    rows_removed: int
    mentions_redacted: int = 0
    """Rows kept whose free text mentioned the subject (the mention replaced)."""
    files_rewritten: int = 0
    """Data files replaced by redacted copies in every version naming them (the history rewritten)."""

    @property
    def by(self) -> str:
        return self.request_id


@dataclass(frozen=True, kw_only=True)
class SchemaProvenance(Provenance):
    """A schema recorded as the table's from this version on (``Lake.set_schema``), naming the one
    it replaces; the commit itself sets which columns keep statistics."""

    operation: Literal["schema"] = "schema"
    schema: str
    schema_hash: str
    replaces: str | None = None


KINDS: dict[str, type[Provenance]] = {"ingest": LoadProvenance, "transform": TransformProvenance,
                                     "run": RunProvenance, "predictions": PredictionsProvenance,
                                     "erase": ErasureProvenance, "schema": SchemaProvenance}
"""Each operation's record type."""


def from_commit(commit: Mapping[str, Any]) -> Provenance:
    """The record a commit of ``DeltaTable.history()`` carries (the bare :class:`Provenance` when
    lakekit did not make it, or its record cannot be read).

    >>> from_commit({"lakekit": '{"operation": "predictions", "run_id": "r", "seq": 2}'}).write_id
    'run:r:2'
    >>> from_commit({"operation": "VACUUM END"}).operation is None
    True
    """
    raw = commit.get(PROVENANCE_KEY)
    try:
        stored = json.loads(raw) if isinstance(raw, str) else None
        if not isinstance(stored, dict) or (kind := KINDS.get(str(stored.get("operation")))) is None:
            return _FOREIGN
        return kind(**{f.name: _typed(f.name, stored[f.name]) if f.name in stored else _missing(f)
                       for f in dataclasses.fields(kind) if f.name in stored or f.name in _ENVIRONMENT})
    except (json.JSONDecodeError, TypeError, ValueError, AttributeError):
        return _FOREIGN


_ENVIRONMENT = frozenset(f.name for f in dataclasses.fields(Provenance)) - {"operation"}
_FOREIGN = Provenance(**dict.fromkeys(_ENVIRONMENT))  # type: ignore[arg-type]


def _missing(f: dataclasses.Field[Any]) -> Any:
    """An environment field a stored record lacks: unknown (not this process's)."""
    return {} if f.name == "packages" else None


def _typed(name: str, value: Any) -> Any:
    """A stored JSON value as the record's field holds it."""
    if name == "files":
        return tuple(SourceFile(**f) for f in value)
    if name == "keys":
        return tuple(value)
    if name in ("inputs", "previous_inputs") and value is not None:
        return {str(t): int(max(v) if isinstance(v, list) else v) for t, v in value.items()}
    return value
