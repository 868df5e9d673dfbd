"""Where personal data can be: every table and column that may hold a subject, and how to match them.

A column holds a kind of personal data (an e-mail, a customer id, free text) when:

- its table's schema tags it (``metadata={"pii": kind}``, see :class:`lakekit.core.model.PiiTag`);
- a transform's SQL carries a tagged column's value into it (:func:`lakekit.lineage.value_copies`):
  as is (``identity``: same kind, same match), normalised (``lower``, ``trim``, a cast,
  ``min``: same kind, compared case- and space-folded), or inside a larger value (a concatenation,
  JSON extraction, ``string_agg``: free text, searched by substring);
- a run wrote it from what it read: ``run.write`` records, per column, the column read that it
  copies (declared, or a read column of the same name);
- it is a key column of a run's predictions over tagged inputs.

Quarantine tables and rows staged for them hold their data table's kinds; lakekit's own index
tables hold free text (SQL of transforms, filters of reads, parameters and metadata of runs and
loads). Values of a column that identifies a person (declared ``identifying``, or unique) found
in a subject's rows name the same subject and are followed; others never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from lakekit import impact, runs, transform
from lakekit.core import model as schema_model
from lakekit.core.model import TEXT
from lakekit.errors import LakekitError
from lakekit.index import journal, metadata, recorded
from lakekit.lineage import Carry, value_copies
from lakekit.storage import files
from lakekit.storage.delta import META_NAMESPACE, Storage
from lakekit.storage.roots import table_folder
from lakekit.write import governance, quarantine
from lakekit.write.catalog import Catalog

Place = Literal["table", "quarantine", "predictions", "staged", "index", "journal"]
"""A Delta table of data, of quarantined rows, of a run's predictions, one of lakekit's own index
tables; the Parquet files of rejected rows staged by a load whose commit has not landed (or never
will: a killed load); or the entries of an index table's journal not folded into it yet."""
Match = Literal["exact", "folded", "text"]
"""How a column is compared with an identifier: equal; equal ignoring case and surrounding
spaces; mentioned anywhere in the text (:mod:`lakekit.gdpr.needles`)."""

INDEX_TEXT = {"transforms": ("sql", "source", "job"), "transform_runs": ("sql",), "run_inputs": ("filter",),
              "runs": ("params", "metrics", "tags", "command", "artifacts"),
              "loads": ("files", "metadata", "job")}
"""lakekit's own tables and their columns of free text (JSON or SQL) that can spell an identifier."""


@dataclass(frozen=True)
class Tag:
    """One column's personal data: its kind, how it is matched, whether its values are followed."""

    kind: str
    match: Match = "exact"
    follow: bool = False
    drop_row: bool = False
    """Free text: drop a row that mentions the subject instead of replacing the mention."""
    documents: bool = False
    """Free text holding JSON or SQL (lakekit's own rows): redacted value by value, so it still parses."""

    @staticmethod
    def of(tag: schema_model.PiiTag, unique: bool) -> Tag:
        if tag.kind == TEXT:
            return Tag(TEXT, "text", False, tag.drop_row)
        return Tag(tag.kind, "exact", tag.identifying if tag.identifying is not None else unique)

    def through(self, carry: Carry) -> Tag:
        """The tag of a column that holds this one's values as ``carry`` says: same kind (compared
        folded unless copied as is), or free text. A copy is never followed: its values are its
        source's, found there."""
        if self.match == "text" or carry == Carry.EMBEDDED:
            return Tag(TEXT, "text")
        return replace(self, follow=False, match="exact" if carry == Carry.SAME else "folded")


@dataclass(frozen=True)
class Tagged:
    """A table that can hold personal data: column → :class:`Tag`."""

    table: str
    place: Place
    columns: Mapping[str, Tag]
    owner: str | None = None
    """The data table of a quarantine table or of staged rows, the run of a predictions table."""
    kinds: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(t.kind for t in self.columns.values()))

    @property
    def folder(self) -> str:
        """Its files' folder under the lake root."""
        if self.place == "journal":
            return f"{journal.FOLDER}/{self.table.split('.', 1)[1]}"
        return quarantine.staging_folder(self.table) if self.place == "staged" else table_folder(self.table)

    @property
    def key(self) -> str:
        return key(self.table, self.place)


def key(table: str, place: Place) -> str:
    """How a search names a place: the table, or ``<table> (staged)`` for its staged rows,
    ``<table> (journal)`` for its journal."""
    return f"{table} ({place})" if place in ("staged", "journal") else table


def tagged_tables(storage: Storage, catalog: Catalog) -> dict[str, Tagged]:
    """Every place that can hold personal data, by :attr:`Tagged.key`."""
    found: dict[str, Tagged] = {}
    schemas = recorded.by_table(storage)
    for table in storage.tables():
        if tagged := governance.tags(storage, table, catalog, schemas.get(table, [])):  # recorded, or the catalog's
            model = governance.in_force(storage, table, catalog, schemas.get(table, []))
            policies = schema_model.pii_tags(model) if model is not None else {}
            unique = {k.columns[0] for k in schema_model.unique_keys(model) if len(k.columns) == 1} if model else set()
            found[table] = Tagged(table, "table", {c: Tag.of(policies.get(c, schema_model.PiiTag(kind)), c in unique)
                                                   for c, kind in tagged.items()})
    _propagate(storage, found)
    for table, holder in list(found.items()):
        exact = {c: replace(t, follow=False) for c, t in holder.columns.items()}
        name = quarantine.table_name(table)
        if storage.exists(name):
            found[name] = Tagged(name, "quarantine", exact, table)
        if files.parquet_files(storage, quarantine.staging_folder(table)):
            staged = Tagged(table, "staged", exact, table)
            found[staged.key] = staged
    logged = runs.predictions(storage)
    for dep in runs.run_dependencies(storage):
        info = logged.get(dep.run_id)
        if info is None or not storage.exists(info["table"]):
            continue
        kinds = {c: replace(tag, follow=False) for t in dep.inputs if t in found for c, tag in found[t].columns.items()}
        keyed = {c: kinds[c] for c in info["keys"] if c in kinds}
        if keyed:
            found[info["table"]] = Tagged(info["table"], "predictions", keyed, dep.run_id)
    for name, columns in INDEX_TEXT.items():
        full, text = f"{META_NAMESPACE}.{name}", {c: Tag(TEXT, "text", documents=True) for c in columns}
        if storage.exists(full):
            found[full] = Tagged(full, "index", text)
        if name in journal.NAMES and journal.entries(storage, name):
            entries = Tagged(full, "journal", text)
            found[entries.key] = entries
    return found


def _propagate(storage: Storage, found: dict[str, Tagged]) -> None:
    """Tags follow value copies (of transforms and run writes) into derived tables until nothing
    changes; a column its own schema tags keeps that tag. A transform's SQL is read again only
    when one of its non-identity edges starts at a column holding personal data."""
    if not storage.exists(f"{META_NAMESPACE}.lineage"):
        return
    recorded = {r.transform_id: r for r in impact.latest_transforms(storage).values()}
    outputs = {f"run:{o}" for o in metadata.read(storage, "run_outputs").column("output_id").to_pylist()}
    stored = [s for s in impact.recorded_edges(storage, recorded.keys() | outputs) if s.edge.kind == "direct"]
    identity = [(s.edge.source_table, s.edge.source_column, s.edge.target_table, s.edge.target_column, Carry.SAME)
                for s in stored if s.edge.subtype == "identity"]
    others = {((s.edge.source_table, s.edge.source_column), s.transform_id) for s in stored
              if s.edge.subtype != "identity" and s.transform_id in recorded}
    by_schema = {(t, c) for t, place in found.items() for c in place.columns}
    read: dict[str, list[tuple[str, str, str, str, Carry]]] = {}
    changed = True
    while changed:
        changed = False
        personal = {(t, c) for t, place in found.items() for c in place.columns}
        for transform_id in {i for column, i in others if column in personal} - read.keys():
            read[transform_id] = _value_copies(storage, recorded[transform_id])
        for source, column, target, target_column, carry in identity + [c for v in read.values() for c in v]:
            tag = found[source].columns.get(column) if source in found else None
            if tag is None or (target, target_column) in by_schema:
                continue
            wanted = tag.through(carry)
            holder = found.get(target) or Tagged(target, "table", {})
            if holder.columns.get(target_column) != wanted:
                found[target] = Tagged(target, "table", {**holder.columns, target_column: wanted})
                changed = True


def _value_copies(storage: Storage, recorded: impact.Recorded) -> list[tuple[str, str, str, str, Carry]]:
    """The transformed value copies of one transform (identity edges are recorded already)."""
    try:
        schema = transform.input_schemas(storage, recorded.inputs)
        copies = value_copies(recorded.sql, dialect=recorded.dialect, schema=schema, target=recorded.table,
                              names=transform.LAKE_NAMES)
    except LakekitError:  # an input version no longer readable, SQL no longer parsed: identity edges still count
        return []
    return [(c.source_table, c.source_column, c.target_table, c.target_column, c.carry)
            for c in copies if c.carry != Carry.SAME]


def describe(found: Mapping[str, Tagged]) -> dict[str, dict[str, str]]:
    """Place → column → ``kind (match)``, for reports: which columns were searched, and how."""
    return {k: {c: f"{t.kind} ({t.match})" for c, t in sorted(p.columns.items())} for k, p in sorted(found.items())}
