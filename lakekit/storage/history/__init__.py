"""Rewriting a Delta table's history: data files replaced by redacted copies in every version that uses
them, crash-safe and beside concurrent appends (:mod:`lakekit.storage.history.rewrite`).

Modules: ``rewrite`` (the API and the order of steps), ``plan`` (a new rewrite's journal), ``actions`` (a log
file's bytes rewritten), ``spare`` (the checkpoints deleted instead of rewritten), ``stats`` (``add.stats``
recomputed as delta-rs writes them), ``store`` (files, atomic writes, syncs, the journal).
"""

from lakekit.errors import HistoryError
from lakekit.storage.history.actions import TextRewrite
from lakekit.storage.history.rewrite import Pending, Progress, RewriteReport, pending, read_file, rewrite_history
from lakekit.storage.history.store import Store, open_store

__all__ = [
    "HistoryError",
    "Pending",
    "Progress",
    "RewriteReport",
    "Store",
    "TextRewrite",
    "open_store",
    "pending",
    "read_file",
    "rewrite_history",
]
