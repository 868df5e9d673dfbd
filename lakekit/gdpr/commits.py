"""Commit metadata that spells a subject: a delete predicate (``customer_id = 4207781``, which Delta
logs word for word), a transform's SQL or a load's metadata in lakekit's provenance. Every table's
log is read, lakekit's own tables' too; an erasure rewrites the ``commitInfo`` of those that do
(:func:`lakekit.gdpr.erasure.commit_info`)."""

from __future__ import annotations

from lakekit.gdpr.needles import Needles
from lakekit.storage import log
from lakekit.storage.delta import Storage
from lakekit.storage.roots import table_folder


def every_table(storage: Storage) -> list[str]:
    """Every Delta table under the root, lakekit's own included (a folder whose name is no table name,
    left by an older lakekit until ``lakekit repair`` renames it, is searched by ``verify`` only)."""
    return storage.tables(own=True)


def mentioning(storage: Storage, needles: Needles) -> list[str]:
    """The tables whose commit metadata (``commitInfo``) mentions the subject."""
    if not needles:
        return []
    found = []
    for table in every_table(storage):
        for name, raw in log.log_files(storage, table_folder(table)):
            if name.endswith(".json") and any(_commit_info(line) and needles.holds(line)
                                               for line in raw.decode(errors="replace").splitlines()):
                found.append(table)
                break
    return found


def _commit_info(line: str) -> bool:
    return line.startswith('{"commitInfo"')
