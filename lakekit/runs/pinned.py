"""Reading a table version the same way twice: a fixed row order, a recorded filter, a fingerprint.

What a run read is kept as (table, version, columns, filter) plus a fingerprint of the rows that
came back (:func:`lakekit.core.fingerprint.table_fingerprint`); reading the same again gives the same
rows in the same order, which the fingerprint proves. Delta lists a version's files in log order,
which a checkpoint may change, so files are taken by commit time, then path.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from lakekit.errors import LakekitError
from lakekit.storage.delta import Storage, add_actions
from lakekit.storage.scan import select_rows


def pinned_read(storage: Storage, table: str, version: int, columns: Sequence[str] | None,
                filter: Mapping[str, str] | None, *, snapshot: DeltaTable | None = None) -> pa.Table:
    """Rows of one version (``snapshot``, when already open) with a recorded filter, in a fixed
    order: the version's files by commit time then path (a checkpoint may list them otherwise),
    rows in file order."""
    import pyarrow.dataset as pads

    dt = snapshot if snapshot is not None else storage.open(table, version)
    ds = storage.dataset(table, snapshot=dt)
    added = add_actions(dt)
    when = dict(zip(added.column("path").to_pylist(),
                    added.column("modification_time").cast(pa.int64()).to_pylist(), strict=True))
    fragments = sorted(ds.get_fragments(), key=lambda f: (when.get(f.path, 0), f.path))
    ordered = pads.FileSystemDataset(fragments, ds.schema, ds.format, ds.filesystem)
    condition: str | pc.Expression | None = None
    if filter is not None and "sql" in filter:
        condition = filter["sql"]
    elif filter is not None and filter.get("substrait"):
        condition = pc.Expression.from_substrait(base64.b64decode(filter["substrait"]))
    elif filter is not None:  # an erasure overwrote a literal it held and the expression no longer parsed
        raise LakekitError(f"the recorded filter on '{table}' can no longer be applied")
    return select_rows(ordered, table, columns=columns, filter=condition)


def recorded_filter(schema: pa.Schema, table: str, filter: str | pc.Expression | None) -> dict[str, str] | None:
    """A filter as it is recorded: SQL text, or a pyarrow expression over ``schema`` (the
    version's) as Substrait, and as text for people."""
    if filter is None or isinstance(filter, str):
        return None if filter is None else {"sql": filter}
    try:
        blob = filter.to_substrait(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise LakekitError(f"filter on '{table}' cannot be recorded: {e}") from None
    return {"substrait": base64.b64encode(bytes(blob)).decode(), "text": str(filter)}
