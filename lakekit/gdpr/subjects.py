"""Finding a data subject everywhere: tables, old versions, quarantine, derived tables, predictions.

A subject is named by identifiers (``email="alice@example.com"``, ``user_id=42``): values of a
kind of personal data. Columns hold a kind when their table's schema tags them
(``metadata={"pii": kind}``), when they copy a tagged column unchanged (an ``identity`` edge of
the column lineage), or when they are the key columns of a run's predictions over tagged inputs;
a quarantine table holds its data table's kinds.

A row holding one of the subject's identifiers is the subject's. Its values in a tagged column
its schema declares unique (an account's ``user_id``) name the same person and are searched for
in turn, until nothing new turns up; values of shared kinds (an IP address, a name) are the
subject's data but never lead to other rows, or one campus IP would make everybody one person.

Every Parquet file in a table's folder is scanned, whatever version (or none: a killed write)
references it, so old versions are covered; the versions holding the subject are the ones made
of a file that does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from lakekit import impact, runs
from lakekit.core import checks
from lakekit.core.fingerprint import salted_hash
from lakekit.core.results import StoredEdge, _Result
from lakekit.errors import UsageError
from lakekit.maintenance import vacuum
from lakekit.storage import files, log
from lakekit.storage.delta import Storage
from lakekit.storage.roots import table_folder
from lakekit.write import governance, quarantine
from lakekit.write.catalog import Catalog

Place = Literal["table", "quarantine", "predictions", "staged"]
"""A Delta table of data, of quarantined rows, of a run's predictions; or the Parquet files of
rejected rows staged by a load whose commit has not landed (or never will: a killed load)."""
Identifiers = dict[str, set[Any]]


@dataclass(frozen=True)
class Tagged:
    """A table that can hold personal data: column → kind, and the tagged columns that are unique."""

    table: str
    place: Place
    columns: dict[str, str]
    unique: frozenset[str] = frozenset()
    owner: str | None = None
    """The data table of a quarantine table or of staged rows, the run of a predictions table."""

    @property
    def folder(self) -> str:
        """Its files' folder under the lake root."""
        return quarantine.staging_folder(self.table) if self.place == "staged" else table_folder(self.table)

    @property
    def key(self) -> str:
        return key(self.table, self.place)


def key(table: str, place: Place) -> str:
    """How a search names a place: the table, or ``<table> (staged)`` for its staged rows."""
    return f"{table} (staged)" if place == "staged" else table


@dataclass(frozen=True)
class TableHit(_Result):
    """Where one table holds the subject: rows in its latest version, the versions and files that do."""

    table: str
    place: Place
    owner: str | None
    columns: tuple[str, ...]
    rows: int
    versions: tuple[int, ...]
    files: tuple[str, ...]
    orphans: tuple[str, ...]
    """Files no version references (writes killed before their commit) that hold the subject."""

    @property
    def key(self) -> str:
        return key(self.table, self.place)


@dataclass(frozen=True)
class SubjectReport(_Result):
    """Everything known of one subject, without its identifiers: ``subject`` is their salted hash."""

    subject: str
    identifiers: dict[str, int]
    """kind → how many values name the subject (those given and those found through unique keys)."""
    tables: tuple[TableHit, ...]
    runs: tuple[str, ...]
    """Runs that read or wrote a version holding the subject, or predicted for it."""
    downstream: tuple[str, ...]
    """Tables derived from a table holding the subject that hold no identifier themselves."""

    @property
    def found(self) -> bool:
        return any(h.rows or h.files for h in self.tables)


@dataclass(frozen=True)
class Search:
    """A finished search: the report, and what erasure and export need (identifier values included)."""

    report: SubjectReport
    identifiers: Identifiers
    tagged: dict[str, Tagged]
    """:attr:`Tagged.key` → the place searched."""


def subject_hash(storage: Storage, given: Mapping[str, Any]) -> str:
    """The salted hash standing for the subject in reports, errors and the audit trail."""
    text = json.dumps({k: str(v) for k, v in sorted(given.items())}, sort_keys=True)
    return salted_hash(text, storage.secret())


def identifiers(given: Mapping[str, Any]) -> Identifiers:
    """``{kind: {value}}`` from keyword arguments; a list value gives several identifiers of one kind."""
    found: Identifiers = {}
    for kind, value in given.items():
        values = value if isinstance(value, list | tuple | set) else [value]
        found[kind] = {v for v in values if v is not None and v != ""}
    if not given or not any(found.values()):
        raise UsageError("name the subject by at least one identifier, e.g. email=...")
    return found


def tagged_tables(storage: Storage, catalog: Catalog) -> dict[str, Tagged]:
    """Every table that can hold personal data, with its tagged columns."""
    found: dict[str, Tagged] = {}
    for table in storage.tables():
        model = governance.in_force(storage, table, catalog)
        if tags := governance.tags(storage, table, catalog):
            keys = checks.unique_keys(model) if model is not None else ()
            unique = frozenset(k.columns[0] for k in keys if len(k.columns) == 1)
            found[table] = Tagged(table, "table", dict(tags), unique & set(tags))
    _propagate(found, impact.current_edges(storage) if storage.exists("_lakekit.lineage") else [])
    for table, holder in list(found.items()):
        name = quarantine.table_name(table)
        if storage.exists(name):
            found[name] = Tagged(name, "quarantine", holder.columns, frozenset(), table)
        if files.parquet_files(storage, quarantine.staging_folder(table)):
            staged = Tagged(table, "staged", holder.columns, frozenset(), table)
            found[staged.key] = staged
    logged = runs.predictions(storage)
    for dep in runs.run_dependencies(storage):
        info = logged.get(dep.run_id)
        if info is None or not storage.exists(info["table"]):
            continue
        kinds = {c: k for t in dep.inputs if t in found for c, k in found[t].columns.items()}
        keyed = {c: kinds[c] for c in info["keys"] if c in kinds}
        if keyed:
            found[info["table"]] = Tagged(info["table"], "predictions", keyed, frozenset(), dep.run_id)
    return found


def _propagate(found: dict[str, Tagged], edges: Iterable[StoredEdge]) -> None:
    """Tags follow ``identity`` edges into derived tables (a copied e-mail is still an e-mail)."""
    copies = [e.edge for e in edges if e.edge.kind == "direct" and e.edge.subtype == "identity"]
    changed = True
    while changed:
        changed = False
        for e in copies:
            kind = found[e.source_table].columns.get(e.source_column) if e.source_table in found else None
            if kind is None:
                continue
            target = found.get(e.target_table) or Tagged(e.target_table, "table", {})
            if target.columns.get(e.target_column) != kind:
                found[e.target_table] = Tagged(target.table, "table", {**target.columns, e.target_column: kind},
                                               target.unique, target.owner)
                changed = True


def matcher(schema: pa.Schema, tags: Mapping[str, str], known: Identifiers) -> pc.Expression | None:
    """Rows holding any known identifier in a column tagged with its kind (values cast to the column's type)."""
    condition = None
    for column, kind in tags.items():
        if column not in schema.names or not known.get(kind):
            continue
        values = []
        for v in known[kind]:
            try:
                values.append(pa.scalar(v).cast(schema.field(column).type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                continue
        if values:
            test = pc.field(column).isin(pa.array(values, schema.field(column).type))
            condition = test if condition is None else condition | test
    return condition


@dataclass
class _Scan:
    rows_by_file: dict[str, int]
    keys: Identifiers


def _scan(storage: Storage, tagged: Tagged, known: Identifiers) -> _Scan:
    """Per file of the table's folder, how many rows hold a known identifier; the unique tagged
    values of those rows (the subject's other keys)."""
    counts: dict[str, int] = {}
    keys: Identifiers = {}
    for path in files.parquet_files(storage, tagged.folder):
        try:
            file = files.dataset(storage, tagged.folder, path)
            test = matcher(file.schema, tagged.columns, known)
            rows = None if test is None else files.read(file, columns=sorted(tagged.columns), filter=test)
        except FileNotFoundError:  # deleted since the listing (a vacuum, another erasure): it holds nothing now
            continue
        if rows is None:
            continue
        if rows.num_rows:
            counts[path] = rows.num_rows
            for column in tagged.unique & set(rows.column_names):
                keys.setdefault(tagged.columns[column], set()).update(rows.column(column).drop_null().to_pylist())
    return _Scan(counts, keys)


def search(storage: Storage, given: Mapping[str, Any], catalog: Catalog, *,
           seeds: Identifiers | None = None) -> Search:
    """Find the subject named by ``given`` (and ``seeds``: identifiers found before, e.g. by an
    erasure that deleted the rows that linked them) everywhere; see the module's docstring."""
    known = identifiers(given)
    for kind, values in (seeds or {}).items():
        known.setdefault(kind, set()).update(values)
    tagged = tagged_tables(storage, catalog)
    kinds = {k for t in tagged.values() for k in t.columns.values()}
    if unknown := sorted(set(known) - kinds):
        raise UsageError(f"no table tags personal data of kind '{unknown[0]}' "
                         f"(tagged kinds: {', '.join(sorted(kinds)) or 'none'})")
    while True:
        scans = {name: _scan(storage, place, known) for name, place in tagged.items()}
        grown = False
        for scan in scans.values():
            for kind, values in scan.keys.items():
                if not values <= known.get(kind, set()):
                    known.setdefault(kind, set()).update(values)
                    grown = True
        if not grown:
            break
    hits, pinned = [], set()
    pins = vacuum.pinned_versions(storage)
    for name, scan in sorted(scans.items()):
        t = tagged[name]
        if not scan.rows_by_file:
            continue
        if t.place == "staged":
            hits.append(TableHit(t.table, t.place, t.owner, tuple(sorted(t.columns)), sum(scan.rows_by_file.values()),
                                 (), tuple(sorted(scan.rows_by_file)), ()))
            continue
        versions = log.version_files(storage, t.table)
        current = versions[max(versions)]
        holding = sorted(v for v, paths in versions.items() if paths & scan.rows_by_file.keys())
        referenced = frozenset().union(*versions.values())
        hits.append(TableHit(
            t.table, t.place, t.owner, tuple(sorted(t.columns)),
            sum(n for p, n in scan.rows_by_file.items() if p in current), tuple(holding),
            tuple(sorted(scan.rows_by_file)), tuple(sorted(set(scan.rows_by_file) - referenced))))
        pinned |= {run for v in holding for run in pins.get(t.table, {}).get(v, ())}
        if t.place == "predictions" and t.owner:
            pinned.add(t.owner)
    holders = {h.table for h in hits if h.place == "table"}
    downstream = impact.reach(storage, holders, "downstream") - set(tagged)
    report = SubjectReport(subject_hash(storage, given), {k: len(v) for k, v in sorted(known.items())},
                           tuple(hits), tuple(sorted(pinned)), tuple(sorted(downstream)))
    return Search(report, known, tagged)
