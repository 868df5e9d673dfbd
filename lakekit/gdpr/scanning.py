"""Reading a place's files for a search, each file's bytes once or close to it.

A data table's files are read in one scan over all cores per round of the search, filtered in the
scan by what the round looks for (:func:`lakekit.gdpr.match.expression`): the identifiers found in
the round before. Only the rows that match are kept, less those matching what an earlier round
looked for (so no row comes back twice; judged on the few rows found, not in the scan, which would
evaluate it over every row again). Round one looks for the given identifiers; a later round, for
the ones followed from the rows found, and only in the places with a column of their kind. The
table's schema comes from the handle the storage keeps (:meth:`~lakekit.storage.delta.Storage.latest`).

lakekit's own tables (free text judged value by value, JSON and SQL) are read whole once, at the
end, and only the rows whose text may mention the subject by any rule are judged
(:meth:`~lakekit.gdpr.needles.Needles.candidates`: an identifier's characters, a Substrait filter);
journal entries, staged rows and a table whose older files may hold a tagged column its current
schema lacks are read whole once; both are judged in memory.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from lakekit.gdpr.match import Identifiers, expression, plain
from lakekit.gdpr.needles import Needles
from lakekit.gdpr.tags import Tagged
from lakekit.index import journal
from lakekit.storage import files, log
from lakekit.storage.delta import Storage
from lakekit.storage.scan import canonical_schema
from lakekit.write import indexes

if TYPE_CHECKING:
    import pyarrow.dataset as pads

PATH = files.PATH


class PlaceScan:
    """One place's files, as a search reads them: :meth:`look` each round, :meth:`rows` for the verdict."""

    def __init__(self, storage: Storage, place: Tagged, paths: list[str], aside: frozenset[str] = frozenset()) -> None:
        self.storage, self.place = storage, place
        self.paths = [p for p in paths if p not in aside]
        self.aside = [p for p in paths if p in aside]
        """Files whose rows the others hold too (:func:`repacked`): read only once those may mention the subject."""
        self.schema = self._schema()
        self.whole = self.schema is None or place.place in ("staged", "journal") or bool(
            set(place.columns) - set(self.schema.names))
        self.documents = bool(place.columns) and all(t.documents for t in place.columns.values())
        """Judged once, at the end, with every identifier found (:meth:`rows`)."""
        self.found: list[pa.Table] = []
        self.read: pa.Table | None = None
        self._files: pads.Dataset | None = None

    def _dataset(self) -> pads.Dataset:
        """The place's files in one dataset, made once (each footer read once over the rounds)."""
        assert self.schema is not None
        if self._files is None or self._files.files != self.paths:
            self._files = files.many(self.storage, self.place.folder, self.paths, self.schema)
        return self._files

    def _schema(self) -> pa.Schema | None:
        """The tagged columns' plain types, from the table's Delta schema (None for staged rows and
        journal entries)."""
        if self.place.place in ("staged", "journal") or not self.paths:
            return None
        found = canonical_schema(pa.schema(self.storage.latest(self.place.table).schema().to_arrow()))
        return pa.schema([f for f in found if f.name in self.place.columns])

    def look(self, new: Identifiers, new_needles: Needles, searched: Identifiers, old_needles: Needles) -> None:
        """Read the rows matching what is ``new``, not what was ``searched`` before."""
        if self.whole or self.documents or self.schema is None or not self.paths:
            return
        wanted = expression(self.schema, self.place.columns, new, new_needles)
        if wanted is None:
            return
        try:
            rows = files.read_many(self._dataset(), wanted)
        except (FileNotFoundError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            self.whole = True  # a file went since the listing, or one does not cast: read each file as it is
            return
        before = expression(self.schema, self.place.columns, searched, old_needles)
        if before is not None and rows.num_rows:  # on the few rows found, not in the scan (a second pass over all)
            rows = rows.filter(~pc.coalesce(before, pc.scalar(False)))
        self.found.append(rows)

    def rows(self, needles: Needles | None = None) -> pa.Table | None:
        """The rows to judge: those found so far, or every row of a place read whole; of a place of
        documents, those that may mention the subject (``needles``: every identifier found)."""
        if not self.whole and not self.documents:
            return pa.concat_tables(self.found) if self.found else None
        if self.read is None:
            if self.whole or needles is None:
                self._take_aside()
            self.read = self._candidates(needles) if not self.whole and needles is not None else self._all()
        return self.read

    def _take_aside(self) -> None:
        self.paths, self.aside = sorted(self.paths + self.aside), []

    def _candidates(self, needles: Needles) -> pa.Table | None:
        """The rows whose documents may mention the subject (every row when that cannot be told by
        substrings)."""
        rows = self._all()
        if rows is None or not rows.num_rows:
            return rows
        wanted = [needles.candidates(rows.column(c)) for c in self.place.columns if c in rows.column_names]
        every = any(w is None for w in wanted) or not wanted
        found = rows if every else rows.filter(functools.reduce(pc.or_, wanted))
        if found.num_rows and self.aside:  # the files holding the same rows must be found too
            self._take_aside()
            return self._candidates(needles)
        return found

    def _all(self) -> pa.Table | None:
        """Every row of the place: in one scan when its schema covers its tagged columns, else file by file."""
        if self.schema is not None and self.paths and not set(self.place.columns) - set(self.schema.names):
            try:
                return files.read_many(self._dataset())
            except (FileNotFoundError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                pass  # a file went since the listing, or one does not cast
        return self._one_by_one()

    def _one_by_one(self) -> pa.Table | None:
        parts = []
        for path in self.paths:
            rows = read_file(self.storage, self.place, path, columns=sorted(self.place.columns))
            if rows is not None and rows.num_columns:
                parts.append(rows.append_column(PATH, pa.array([path] * rows.num_rows, pa.string())))
        return pa.concat_tables(parts, promote_options="permissive") if parts else None


def repacked(storage: Storage, place: Tagged) -> frozenset[str]:
    """Of one of lakekit's own tables, the files whose rows its latest version holds in other files
    (compacted: :func:`lakekit.storage.log.repacked`); none of any other place. Asked before the
    place is listed, so the files holding those rows are listed too."""
    if place.place != "index":
        return frozenset()
    return log.repacked(storage, place.table, storage.latest(place.table).version())


def listing(storage: Storage, place: Tagged) -> list[str]:
    """A place's files, relative to its folder: Parquet files, or a journal's entries."""
    if place.place == "journal":
        return journal.entries(storage, place.folder.rsplit("/", 1)[-1])
    return files.parquet_files(storage, place.folder)


def read_file(storage: Storage, place: Tagged, path: str, *, columns: list[str] | None = None) -> pa.Table | None:
    """One of a place's files (``columns`` of it, those it has), in plain types; None once it is gone
    (a vacuum, an erasure, a fold since the listing)."""
    if place.place == "journal":
        loaded = journal.load(storage, place.folder.rsplit("/", 1)[-1], [path])
        if not loaded:
            return None
        rows = plain(loaded[0][1])
        return rows.select([c for c in columns if c in rows.column_names]) if columns is not None else rows
    try:
        return files.read(files.dataset(storage, place.folder, path), columns=columns)
    except FileNotFoundError:
        return None


def rewrite_file(storage: Storage, place: Tagged, path: str, rows: pa.Table | None) -> None:
    """Replace one of a place's files whole with ``rows`` (None or none: delete it)."""
    if place.place == "journal":
        indexes.rewrite_entry(storage, place.folder.rsplit("/", 1)[-1], path, rows)
    elif rows is not None and rows.num_rows:
        files.rewrite(storage, place.folder, path, rows)
    else:
        files.remove(storage, place.folder, [path])


def per_file(paths: pa.ChunkedArray) -> dict[str, int]:
    """How many of the rows (given by their :data:`PATH`) each file holds."""
    return {str(c["values"]): int(c["counts"]) for c in pc.value_counts(paths).to_pylist()} if len(paths) else {}


def merged(into: Identifiers, more: Mapping[str, set[object]]) -> bool:
    """Add ``more`` to ``into``; whether anything was new."""
    grown = False
    for kind, values in more.items():
        if not values <= into.get(kind, set()):
            into.setdefault(kind, set()).update(values)
            grown = True
    return grown
