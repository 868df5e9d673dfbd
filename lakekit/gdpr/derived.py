"""Derived tables without identifiers (an aggregate such as spend per country) computed from a
subject's rows: nothing in them names the subject, so an erasure has nothing to rewrite there, but
a table whose latest version was computed from versions that held the subject still counts them
(a sum, a count) until ``lake.rerun`` recomputes it on the erased inputs. An erasure's report and
``verify`` name exactly those tables (``stale``), not every table downstream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lakekit import impact
from lakekit.storage.delta import Storage


def stale(storage: Storage, held: Mapping[str, Iterable[int]], downstream: Iterable[str]) -> list[str]:
    """Of ``downstream``, the tables whose latest version was computed from a version in ``held`` (table →
    versions that held the subject), or from such a stale table (transitively). A table written by a run
    rather than a transform records no input versions: it counts when it is downstream at all."""
    wanted = set(downstream)
    if not wanted:
        return []
    versions = {table: set(v) for table, v in held.items()}
    recorded = impact.latest_transforms(storage)
    found: set[str] = set()
    grown = True
    while grown:
        grown = False
        for table in sorted(wanted - found):
            inputs = recorded[table].inputs if table in recorded else None
            if inputs is None or any(v in versions.get(t, ()) or t in found for t, v in inputs.items()):
                found.add(table)
                grown = True
    return sorted(found)


def erased_versions(finished: Iterable[Mapping[str, Any]]) -> dict[str, set[int]]:
    """Table → the versions erasures of a subject rewrote, from the ``details`` of their ``finished``
    audit rows (staged rows and journal entries left out: nothing derives from them)."""
    held: dict[str, set[int]] = {}
    for details in finished:
        for key, table in details.get("tables", {}).items():
            if " (" not in key:
                held.setdefault(key, set()).update(table.get("versions_rewritten", ()))
    return held
