"""A fingerprint of what a lake holds: it changes with any commit to any table (lakekit's own
tables included: runs, lineage, the audit trail) and with any journal entry of lakekit's own
tables, and costs one listing of each table's log, no read of any data or log file."""

from __future__ import annotations

import hashlib

import pyarrow.fs as pafs

from lakekit.index import journal
from lakekit.storage.delta import Storage
from lakekit.storage.log import log_files
from lakekit.storage.roots import table_folder


def fingerprint(storage: Storage) -> str:
    """A hash of the name and modification time of every log file and journal entry of the lake."""
    found = hashlib.sha256()
    for table in storage.tables(own=True):
        for path, mtime, _ in sorted(log_files(storage, table_folder(table))):
            found.update(f"{table}\0{path}\0{mtime}\n".encode())
    selector = pafs.FileSelector("", allow_not_found=True, recursive=True)
    for info in sorted(storage.folder_fs(journal.FOLDER).get_file_info(selector), key=lambda i: i.path):
        found.update(f"journal\0{info.path}\0{info.mtime_ns}\n".encode())
    return found.hexdigest()
