"""The format version of what lakekit stores under ``_lakekit/``, the way dlt versions its storage.

Every index table records the format it is written in as the table property ``lakekit.format``
(set when the table is created); every request file records it under the key ``"format"``. A
table or file without one was written by lakekit before formats were recorded: format 1.

Opening a lake brings every index table up to :data:`FORMAT`, one step at a time
(:mod:`lakekit.write.migrate`); a request file is brought up to it when it is read
(:func:`read_request`). A format newer than :data:`FORMAT` was written by a newer lakekit:
:class:`~lakekit.errors.IncompatibleFormat` says to upgrade, and nothing is changed.

Formats:

1. (no version recorded) as written up to lakekit 0.1.0's first release;
2. the version is recorded: the ``lakekit.format`` property of each index table, the
   ``"format"`` key of each request file (its identifiers under ``"identifiers"``) and of each
   fingerprint cache entry, the ``lakekit.format`` schema metadata of each journal entry (Arrow
   files waiting to be folded into their index table; the first journal was written in format 2).

Quarantine and predictions tables are data tables, versioned by Delta as a user's table is; the
provenance lakekit writes into every commit is a typed record read back field by field
(:mod:`lakekit.index.provenance`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from deltalake import DeltaTable

from lakekit.errors import IncompatibleFormat

FORMAT = 2
"""The format this lakekit writes (and the newest it reads)."""
PROPERTY = "lakekit.format"
"""The table property holding an index table's format."""
KEY = "format"
"""The key holding a request file's format."""


def table_format(dt: DeltaTable) -> int:
    """The format an index table is stored in (1 when it records none).

    >>> import tempfile, pyarrow as pa, deltalake
    >>> folder = tempfile.mkdtemp()
    >>> deltalake.write_deltalake(folder, pa.table({"a": [1]}))
    >>> dt = deltalake.DeltaTable(folder)
    >>> table_format(dt)
    1
    >>> dt.alter.set_table_properties({PROPERTY: "2"}, raise_if_not_exists=False)
    >>> table_format(dt)
    2
    """
    return int(dt.metadata().configuration.get(PROPERTY, "1"))


def readable(name: str, found: int) -> None:
    """Refuse a format this lakekit cannot read (:class:`IncompatibleFormat`)."""
    if found > FORMAT:
        raise IncompatibleFormat(name, found, FORMAT)


_REQUEST_STEPS: Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: lambda old: {"identifiers": old},
}
"""How a request file of format n becomes one of format n + 1."""


def write_request(content: Mapping[str, Any]) -> dict[str, Any]:
    """A request file's content as stored: ``content`` with the format it is written in."""
    return {KEY: FORMAT, **content}


def read_request(name: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored request file's content in the current format (``name`` is for errors).

    >>> read_request("r.json", {"email": ["a@example.com"]})
    {'identifiers': {'email': ['a@example.com']}}
    >>> read_request("r.json", {"format": 2, "identifiers": {}})
    {'identifiers': {}}
    """
    content = dict(stored)
    found = int(content.pop(KEY, 1))
    readable(name, found)
    for step in range(found, FORMAT):
        content = _REQUEST_STEPS[step](content)
    return content
