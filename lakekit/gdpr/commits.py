"""Commit metadata that spells a subject: a delete predicate (``customer_id = 4207781``, which Delta
logs word for word), a transform's SQL or a load's metadata in lakekit's provenance. Every table's
log is read, lakekit's own tables' too; an erasure rewrites the ``commitInfo`` of those that do
(:func:`lakekit.gdpr.erasure.commit_info`)."""

from __future__ import annotations

from lakekit.gdpr.needles import Needles
from lakekit.storage import log
from lakekit.storage.delta import META_NAMESPACE, Storage, table_folder


def every_table(storage: Storage) -> list[str]:
    """Every Delta table under the root, lakekit's own included."""
    fs, base = storage.files()
    own = sorted(".".join(p.rstrip("/").split("/")[-3:-1]) for p in fs.glob(f"{base}/{META_NAMESPACE}/*/_delta_log"))
    return storage.tables() + own


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
