"""Model runs: the exact table versions a run read, what it logged, and the versions it wrote.

A run's life (:data:`~lakekit.core.results.RunStatus`): ``running`` → ``finished``, or
``failed`` when its block raises (the exception's type is kept, never its message, which may hold
personal data). ``_lakekit/runs`` is a log of state changes, not a table of runs: a row is written
when a run starts and when it ends, and a run is the fold of its rows (:mod:`lakekit.runs.recorded`).
A killed run therefore stays ``running`` and nothing is left half-written. Reads are kept in
``_lakekit/run_inputs``, the versions a run committed in its data tables' own commits (a
:class:`~lakekit.index.provenance.RunProvenance`) and indexed in ``_lakekit/run_outputs``.

A process started by ``lakekit run`` finds the run id in ``LAKEKIT_RUN_ID`` and its
``start_run`` attaches to that run: it records reads, params and writes under the parent's id,
while the parent, which waits for it, records the start, the command and the end.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, get_args

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from lakekit.core import names
from lakekit.core.evolution import reconcile
from lakekit.core.fingerprint import table_fingerprint
from lakekit.core.results import RunStatus, WriteMode
from lakekit.errors import InternalError, UsageError
from lakekit.features import FeatureStore
from lakekit.index import history, metadata, views
from lakekit.index.heal import Healer, Lost
from lakekit.index.provenance import PredictionsProvenance, RunProvenance, environment, new_id, now
from lakekit.runs import recorded
from lakekit.runs.features import RunFeatures
from lakekit.runs.pinned import pinned_read, recorded_filter
from lakekit.runs.recorded import Artifact, Read, predictions_table
from lakekit.sources.formats import fsspec_options
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.write import governance, indexes, publish
from lakekit.write.catalog import NONE, Catalog
from lakekit.write.commit import commit_once
from lakekit.write.publish import Target

RUN_ID_ENV = "LAKEKIT_RUN_ID"


class Run:
    """An open run; use it as a context manager (``with lake.start_run(...) as run:``)."""

    def __init__(self, storage: Storage, run_id: str, name: str, *, params: Mapping[str, Any] | None = None,
                 tags: Mapping[str, Any] | None = None, command: Mapping[str, Any] | None = None,
                 attached: bool = False, catalog: Catalog = NONE, features: FeatureStore | None = None) -> None:
        self.storage = storage
        self.run_id = run_id
        self.name = name
        self.attached = attached
        self.catalog = catalog
        self.status: RunStatus = "running"
        self.started_at = now()
        self.params: dict[str, Any] = dict(params or {})
        self.metrics: dict[str, Any] = {}
        self.tags: dict[str, Any] = dict(tags or {})
        self.command = dict(command) if command else None
        self.reads: list[Read] = []
        self.artifacts: dict[str, Artifact] = {}
        self.predictions: dict[str, Any] | None = None
        self._unsaved: list[dict[str, Any]] = []
        self._writes: Counter[str] = Counter()
        self._read_columns: dict[str, set[str]] = {}
        self._ended = False
        self.features = RunFeatures(self, features or FeatureStore(storage))
        """Point-in-time training sets, recorded: ``run.features.historical(labels_table, [...], ...)``."""

    def __repr__(self) -> str:
        return f"Run({self.run_id!r}, {self.name!r}, {self.status})"

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.end(kind)

    @property
    def inputs(self) -> dict[str, int]:
        """{table: version} of the reads so far (the latest read of a table read more than once)."""
        return {r.table: r.version for r in self.reads}

    def read(self, table: str, version: int | None = None, *, as_of: datetime | str | None = None,
             columns: Sequence[str] | None = None, filter: str | pc.Expression | None = None) -> pa.Table:
        """Rows of ``table`` at a version (latest by default), recorded with a fingerprint."""
        if version is not None and as_of is not None:
            raise UsageError("give version or as_of, not both")
        dt = self.storage.open(table, version if as_of is None else self.storage.resolve(table, as_of=as_of))
        version = dt.version()
        kept = recorded_filter(pa.schema(dt.schema().to_arrow()), table, filter)  # the schema its dataset has
        data = pinned_read(self.storage, table, version, columns, kept, snapshot=dt)
        read = Read(len(self.reads) + 1, table, version, tuple(columns) if columns else None, kept,
                    data.num_rows, table_fingerprint(data))
        self.reads.append(read)
        self._read_columns[table] = set(data.column_names)
        self._unsaved.append({**read.asdict(), "run_id": self.run_id, "read_at": now()})
        return data

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.params.update(params)

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:
        self.metrics.update(metrics)

    def log_artifact(self, path_or_uri: str | os.PathLike[str]) -> Artifact:
        """Copy a file under ``<root>/_lakekit/artifacts/<run_id>/`` and record it with its SHA-256."""
        uri = os.fspath(path_or_uri)
        name = uri.rstrip("/").rsplit("/", 1)[-1]
        fs, base = self.storage.files()
        path = f"{META_NAMESPACE}/artifacts/{self.run_id}/{name}"
        h = hashlib.sha256()
        size = 0
        fs.makedirs(f"{base}/{path.rsplit('/', 1)[0]}", exist_ok=True)
        with fsspec.open(uri, "rb", **fsspec_options(uri, self.storage.options)) as src, \
                fs.open(f"{base}/{path}", "wb") as dst:
            while chunk := src.read(8 << 20):
                h.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        artifact = Artifact(uri, path, f"sha256:{h.hexdigest()}", size)
        self.artifacts[path] = artifact
        return artifact

    def write(self, table: str, data: Any, *, mode: WriteMode = "append", keys: Sequence[str] | None = None,
              lineage: Mapping[str, str] | None = None) -> int:
        """Commit ``data`` (anything Arrow can read) as a new version of ``table``, validated by its
        schema, with provenance naming this run; once per run, however often it is retried.

        ``lineage`` declares where columns come from (``{"person_id": "features.persons.person_id"}``,
        a table this run read); a column not declared comes from the column of the same name of the
        tables the run read, if any. The edges are recorded in ``_lakekit/lineage`` (transform id
        ``run:<output id>``): personal data a run copies into its output is found there."""
        if mode not in get_args(WriteMode):
            raise UsageError(f"mode must be append, overwrite or merge, got '{mode}'")
        if (mode == "merge") != bool(keys):
            raise UsageError("mode='merge' needs keys=, and keys= only applies to mode='merge'")
        names.check_writable(table)
        rows = pa.table(data)
        sources = self._sources(rows.column_names, lineage or {})
        self._writes[table] += 1
        seq = self._writes[table]
        model = governance.for_write(self.storage, table, self.catalog)
        named, digest = governance.stamp(model)
        made = RunProvenance(run_id=self.run_id, run_name=self.name, seq=seq, mode=mode, keys=tuple(keys or ()),
                             inputs=self.inputs, artifacts={a.path: a.sha256 for a in self.artifacts.values()},
                             schema=named, schema_hash=digest,
                             lineage={c: f"{t}.{s}" for c, (t, s) in sources.items()})
        target = Target(table, mode, tuple(keys or ()), model=model)
        indexes.check("run_outputs", [output_row(table, 0, 0, made, now())])
        version, count = _write_once(self.storage, target, rows, f"lakekit-run-write:{self.run_id}:{table}", seq,
                                     made)
        index_outputs(self.storage, [output_row(table, version, count, made, now())])
        return version

    def _sources(self, columns: Sequence[str], declared: Mapping[str, str]) -> dict[str, tuple[str, str]]:
        """Column written → (table, column) read that it copies: declared, else read under the same name."""
        found: dict[str, tuple[str, str]] = {}
        for column, source in declared.items():
            table, _, name = source.rpartition(".")
            if column not in columns or table not in self._read_columns or name not in self._read_columns[table]:
                raise UsageError(f"lineage of '{column}': '{source}' is not a column this run read "
                                 "(give 'namespace.table.column' of a table read first)")
            found[column] = (table, name)
        for column in columns:
            read = sorted(t for t, names in self._read_columns.items() if column in names)
            if column not in found and read:
                found[column] = (read[0], column)
        return found

    def log_predictions(self, data: Any, *, keys: Sequence[str]) -> int:
        """Store predictions (with the key columns that join them to the inputs) as a new version
        of this run's predictions table; returns the version."""
        table = pa.table(data)
        missing = [k for k in keys if k not in table.column_names]
        if not keys or missing:
            raise UsageError(f"predictions need their key columns; missing '{missing[0] if missing else ''}'")
        self._writes["predictions"] += 1
        seq = self._writes["predictions"]
        name = predictions_table(self.run_id)
        version, _ = _write_once(self.storage, Target(name), table, f"lakekit-run-predictions:{self.run_id}", seq,
                                 PredictionsProvenance(run_id=self.run_id, seq=seq))
        self.predictions = {"table": name, "version": version, "keys": list(keys)}
        return version

    def end(self, error: type[BaseException] | None = None) -> None:
        """Record the end: ``finished``, or ``failed`` with the exception type. An attached run
        leaves the final status to the process that started it."""
        status: RunStatus = "failed" if error is not None else "running" if self.attached else "finished"
        self.close(status, error.__name__ if error is not None else None)

    def close(self, status: RunStatus, error: str | None = None) -> None:
        """Record the run's last state once (``error``: an exception type or exit status, no message)."""
        if self._ended:
            return
        self._ended = True
        self.status = status
        self.save(error=error, ended=not self.attached)

    def save(self, *, error: str | None = None, ended: bool = False) -> None:
        """Write the reads not yet saved and a row with the run's current state."""
        if self._unsaved:
            indexes.note(self.storage, "run_inputs", metadata.rows("run_inputs", self._unsaved))
            self._unsaved = []
        env = environment()
        stamp = now()
        row = {
            "run_id": self.run_id, "name": self.name, "status": self.status, "error": error,
            "params": self.params, "metrics": self.metrics, "tags": self.tags,
            "artifacts": [a.asdict() for a in self.artifacts.values()], "predictions": self.predictions,
            "command": self.command, "started_at": self.started_at, "ended_at": stamp if ended else None,
            "updated_at": stamp, "python": env["python"], "packages": env["packages"],
            **{k: env[k] for k in ("git_commit", "git_dirty", "user", "host", "lakekit_version")},
        }
        indexes.note(self.storage, "runs", metadata.rows("runs", [row]))


def start_run(storage: Storage, name: str, params: Mapping[str, Any] | None = None,
              tags: Mapping[str, Any] | None = None, *, command: Mapping[str, Any] | None = None,
              catalog: Catalog = NONE, features: FeatureStore | None = None) -> Run:
    """A new run, recorded as ``running``; or, inside a process started by ``lakekit run``
    (``LAKEKIT_RUN_ID`` names a run of this lake), that run."""
    parent = os.environ.get(RUN_ID_ENV)
    known = recorded.rows(storage, "runs", parent) if parent and command is None else None
    if parent and known is not None and known.num_rows:
        return Run(storage, parent, str(known.column("name")[0]), params=params, tags=tags, attached=True,
                   catalog=catalog, features=features)
    run = Run(storage, new_id(), name, params=params, tags=tags, command=command, catalog=catalog,
              features=features)
    run.save()
    return run


def output_row(table: str, version: int, rows: int, made: RunProvenance, when: datetime) -> dict[str, Any]:
    """The ``_lakekit/run_outputs`` row of a version a run wrote, from that commit's provenance."""
    return {"output_id": _output_id(table, made), "run_id": made.run_id, "table": table, "version": version,
            "mode": made.mode, "rows": rows, "inputs": made.inputs, "lineage": made.lineage, "written_at": when}


def _output_id(table: str, made: RunProvenance) -> str:
    return f"{made.run_id}:{table}:{made.seq}"


def index_outputs(storage: Storage, rows: Sequence[Mapping[str, Any]]) -> None:
    """Index versions runs wrote, each once however often it is indexed (a retry, a repair): the
    column edges each write recorded in its provenance first (``_lakekit/lineage``, transform id
    ``run:<output id>``), then the ``_lakekit/run_outputs`` row, so a row found means its edges are there."""
    edges = [{"transform_id": f"run:{r['output_id']}", "source_table": source.rpartition(".")[0],
              "source_column": source.rpartition(".")[2], "source_version": r["inputs"].get(source.rpartition(".")[0]),
              "target_table": r["table"], "target_version": r["version"], "target_column": column,
              "kind": "direct", "subtype": "identity"}
             for r in rows for column, source in sorted(r.get("lineage", {}).items())]
    if edges:
        indexes.append(storage, "lineage", metadata.rows("lineage", edges), once_by="transform_id")
    indexes.append(storage, "run_outputs", metadata.rows("run_outputs", rows), once_by="output_id")


def _restore(storage: Storage, lost: Sequence[Lost[RunProvenance]]) -> None:
    index_outputs(storage, [output_row(x.table, x.entry.version, x.entry.rows_added or 0, x.made, x.entry.timestamp)
                            for x in lost])


OUTPUTS = Healer("run_outputs", "output_id", RunProvenance, _output_id, _restore)
"""Puts back the ``_lakekit/run_outputs`` row of a version a run wrote and was killed before indexing."""


def _write_once(storage: Storage, target: Target, data: pa.Table, app: str, seq: int,
                made: RunProvenance | PredictionsProvenance) -> tuple[int, int]:
    """Publish ``data`` as one version of ``target.table`` unless the app transaction ``app``
    already reached ``seq`` (a retry): checked in the snapshot the commit is made on.
    Returns (version, rows)."""

    def attempt(dt: DeltaTable | None) -> tuple[int, int]:
        if dt is not None and (dt.transaction_version(app) or 0) >= seq:
            return _committed(storage, target.table, made)
        base = pa.schema(dt.schema().to_arrow()) if dt is not None else pa.schema([])
        schema = reconcile(base, data.schema, table=target.table, uri=f"run {made.run_id}",
                           fixed=dt is not None)
        landing = target if dt is None else dataclasses.replace(
            target, partition_by=tuple(dt.metadata().partition_columns))
        publish.check_drift(landing, [(f"run {made.run_id}", data.schema)])
        done = publish.publish(storage, landing, base=dt, schema=schema,
                               parts=[(f"run {made.run_id}", data.to_reader())],
                               write_id=made.write_id, stamp=None, commit=made.commit({app: seq}))
        return done.version, done.rows

    return commit_once(storage, target.table, attempt)


def _committed(storage: Storage, table: str, made: RunProvenance | PredictionsProvenance) -> tuple[int, int]:
    """(version, rows) of the commit an earlier attempt of the same write made."""
    for entry in history.commits(storage, table):
        p = entry.provenance
        if type(p) is type(made) and p.write_id == made.write_id:
            return entry.version, entry.rows_added or 0
    raise InternalError(f"'{table}' marks a run's write as committed but no commit carries it")


def replace_artifacts(storage: Storage, changed: Mapping[str, str | None]) -> None:
    """Record artifacts an erasure rewrote (path → new SHA-256) or deleted (None: ``sha256`` says
    ``erased``), with a row per run holding its latest state otherwise unchanged (none for a run
    whose record says so already). A path the record lacks is added: an artifact moved under a
    name of its own (its old name and another's differed only by the subject's identifiers)."""
    by_run: dict[str, dict[str, str | None]] = {}
    for path, sha in changed.items():
        by_run.setdefault(path.removeprefix(f"{META_NAMESPACE}/artifacts/").split("/", 1)[0], {})[path] = sha
    fs, base = storage.files()
    rows = []
    for run_id, paths in sorted(by_run.items()):
        states = sorted(recorded.rows(storage, "runs", run_id).to_pylist(), key=lambda r: r["updated_at"])
        if not states:
            continue
        folded = views.fold_runs(states)[run_id]
        entries = {p: folded["artifacts"].get(p, {"uri": p, "path": p}) for p in [*folded["artifacts"], *paths]}
        artifacts = [{**a, "sha256": paths[p] or "erased", "size": fs.size(f"{base}/{p}") if paths[p] else 0}
                     if p in paths else a for p, a in entries.items()]
        if artifacts != list(folded["artifacts"].values()):  # recorded already (an erasure resumed)
            rows.append({**states[-1], "artifacts": artifacts, "updated_at": now()})
    if rows:
        indexes.append(storage, "runs", metadata.rows("runs", rows))
