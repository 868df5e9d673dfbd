"""Quarantine: rows that failed a table's schema, kept whole, with the reason.

Each data table ``ns.name`` has its quarantine in ``_lakekit/quarantine__ns__name``, a Delta
table holding the failing rows with their original columns and types, ``_load_id`` (the load
or transform that brought them), ``_errors`` (the failed checks and columns, JSON) and
``_source`` (the file or query).

Crash safety: the rejected rows of a load are first *staged* as one Parquet file under
``_lakekit/staging/`` while the data streams (delta-rs cannot be called from inside the
stream it is consuming), and moved into the Delta quarantine once the data commit landed,
under an app transaction of the load id, so they are moved once. A staged file whose load
committed but was not moved (a crash in between) is moved by the next read or write of that
quarantine; one whose load never committed is never shown.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import DeltaTable

from lakekit.core.evolution import conform, delta_type, fits, reconcile
from lakekit.index import history
from lakekit.storage.delta import META_NAMESPACE, Commit, Storage
from lakekit.storage.roots import split_name
from lakekit.write import governance, validate
from lakekit.write.catalog import Catalog
from lakekit.write.commit import commit_once

SOURCE = "_source"
LOAD_ID = "_load_id"


def table_name(table: str) -> str:
    """The quarantine table of ``table``.

    >>> table_name("raw.users")
    '_lakekit.quarantine__raw__users'
    """
    ns, name = split_name(table)
    return f"{META_NAMESPACE}.quarantine__{ns}__{name}"


def staging_folder(table: str) -> str:
    """Where a load's rejected rows wait, under the lake root, until its data commit lands."""
    return f"{META_NAMESPACE}/staging/quarantine/{table}"


def _staging(storage: Storage, table: str) -> tuple[object, str]:
    fs, base = storage.files()
    return fs, f"{base}/{staging_folder(table)}"


def stage(storage: Storage, table: str, parts: Sequence[pa.Table], *, load_id: str) -> int:
    """Keep the rejected rows of a load that has not committed yet; returns how many."""
    rows = pa.concat_tables(parts, promote_options="permissive") if parts else None
    if rows is None or rows.num_rows == 0:
        return 0
    fs, folder = _staging(storage, table)
    fs.makedirs(folder, exist_ok=True)  # type: ignore[attr-defined]
    with fs.open(f"{folder}/{load_id}.parquet", "wb") as f:  # type: ignore[attr-defined]
        pq.write_table(rows, f)
    return rows.num_rows


def flush(storage: Storage, table: str, committed: Collection[str], *, pii: Collection[str]) -> None:
    """Move the staged rows of every committed load of ``table`` into its Delta quarantine."""
    fs, folder = _staging(storage, table)
    for path in sorted(fs.glob(f"{folder}/*.parquet")):  # type: ignore[attr-defined]
        load_id = path.rsplit("/", 1)[-1].removesuffix(".parquet")
        if load_id not in committed:
            continue
        with fs.open(path, "rb") as f:  # type: ignore[attr-defined]
            _append(storage, table, pq.read_table(f), load_id=load_id, pii=pii)
        fs.rm(path)  # type: ignore[attr-defined]


def _fitted(schema: pa.Schema, rows: pa.Table) -> pa.Table:
    """``rows`` with any column whose type the quarantine cannot hold renamed ``<col>__<type>``:
    a value is never re-typed, it gets a column of its own type instead.
    """
    names = [
        f"{f.name}__{delta_type(f.type)}"
        if f.name in schema.names and not fits(f.type, schema.field(f.name).type) else f.name
        for f in rows.schema
    ]
    return rows.rename_columns(names)


def _append(storage: Storage, table: str, rows: pa.Table, *, load_id: str, pii: Collection[str]) -> None:
    """Append one load's rejected rows to the Delta quarantine, once per load id.

    Like its data table, a quarantine keeps no min/max statistics on the ``pii`` columns.
    """
    name = table_name(table)
    app = f"lakekit-quarantine:{load_id}"

    def attempt(base: DeltaTable | None) -> None:
        if base is not None and base.transaction_version(app) is not None:
            return
        current = pa.schema(base.schema().to_arrow()) if base is not None else pa.schema([])
        fitted = _fitted(current, rows)
        schema = reconcile(current, fitted.schema, table=name, uri=SOURCE, fixed=base is not None)
        config = {"delta.dataSkippingStatsColumns": ",".join(c for c in schema.names if c not in pii)} if pii else None
        batches = [conform(b, schema, table=name, uri=SOURCE) for b in fitted.to_batches()]
        storage.write(name, pa.Table.from_batches(batches, schema), mode="append",
                      commit=Commit(transactions={app: 1}, exclusive=True), base=base, configuration=config)

    commit_once(storage, name, attempt)


def rows(storage: Storage, table: str, catalog: Catalog) -> pa.Table:
    """The quarantined rows of ``table`` whose write (load, transform, run) committed."""
    return read(storage, table, history.write_ids(storage, table), pii=governance.tags(storage, table, catalog))


def read(storage: Storage, table: str, committed: Iterable[str], *, pii: Collection[str]) -> pa.Table:
    """The quarantined rows of ``table`` whose write committed (``committed``: write ids)."""
    done = set(committed)
    flush(storage, table, done, pii=pii)
    name = table_name(table)
    if not storage.exists(name):
        return pa.table({LOAD_ID: pa.array([], pa.string()), validate.ERRORS: pa.array([], pa.string()),
                         SOURCE: pa.array([], pa.string())})
    rows = storage.read(name)
    return rows.filter(pc.is_in(rows.column(LOAD_ID), value_set=pa.array(sorted(done), pa.string())))
