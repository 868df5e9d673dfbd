"""Commit metadata that spells a subject: a delete predicate (``customer_id = 4207781``, which Delta
logs word for word), a transform's SQL or a load's metadata in lakekit's provenance. Every table's
log is read, lakekit's own tables' too; an erasure rewrites the ``commitInfo`` of those that do
(:func:`lakekit.gdpr.erasure.commit_info`)."""

from __future__ import annotations

from lakekit.gdpr.needles import Needles
from lakekit.storage import log, logfile
from lakekit.storage.delta import Storage
from lakekit.storage.roots import table_folder


def every_table(storage: Storage) -> list[str]:
    """Every Delta table under the root, lakekit's own included (a folder whose name is no table name,
    left by an older lakekit until ``lakekit repair`` renames it, is searched by ``verify`` only)."""
    return storage.tables(own=True)


Seen = dict[tuple[str, str, int], bool]
"""(table, log file, modification time) → whether its commit metadata mentions the subject: what a
search again reads no more (a log file is replaced whole, never changed in place)."""


def mentioning(storage: Storage, needles: Needles, seen: Seen | None = None) -> list[str]:
    """The tables whose commit metadata (``commitInfo``) mentions the subject (``seen``: files judged
    before, judged again only when they changed; filled in)."""
    if not needles:
        return []
    seen = {} if seen is None else seen
    found = []
    for table in every_table(storage):
        for name, stamp, read in log.log_files(storage, table_folder(table)):
            key = (table, name, stamp)
            if key not in seen and name.endswith(".json"):
                raw = read()
                seen[key] = raw is not None and any(
                    line.startswith('{"commitInfo"') and needles.holds(line)
                    for line in logfile.lines(raw, errors="replace"))
            if seen.get(key):
                found.append(table)
                break
    return found
