"""Plain Parquet files under the lake root, one at a time: for the searches and rewrites that
must see every file (a table's folder, versions or not; quarantine rows staged by a load that
never committed), not a table version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from lakekit.storage.delta import Storage
from lakekit.storage.scan import canonical_schema, scanner

if TYPE_CHECKING:
    import pyarrow.dataset as pads


def parquet_files(storage: Storage, folder: str) -> list[str]:
    """Every Parquet file under ``folder`` (``_delta_log`` excluded), relative to it."""
    fs = storage.folder_fs(folder)
    found = fs.get_file_info(pafs.FileSelector("", recursive=True, allow_not_found=True))
    return sorted(f.path for f in found if f.type == pafs.FileType.File and f.path.endswith(".parquet")
                  and not f.path.startswith("_delta_log/"))


def dataset(storage: Storage, folder: str, path: str) -> pads.Dataset:
    """One file, opened once, in lakekit's plain types (:mod:`lakekit.storage.scan`): its schema
    decides what to ask of it, :func:`read` reads it."""
    import pyarrow.dataset as pads

    fs = storage.folder_fs(folder)
    found = pads.dataset(path, filesystem=fs, format="parquet")
    return pads.dataset(path, filesystem=fs, format="parquet", schema=canonical_schema(found.schema))


def read(file: pads.Dataset, *, columns: Sequence[str] | None = None, filter: pc.Expression | None = None) -> pa.Table:
    """``columns`` of one file (those it has; all when None), rows passing ``filter``."""
    wanted = None if columns is None else [c for c in columns if c in file.schema.names]
    return scanner(file, columns=wanted, filter=filter).to_table()


def rewrite(storage: Storage, folder: str, path: str, rows: pa.Table) -> None:
    """Replace one file's content: written beside it, then moved over it."""
    fs = storage.folder_fs(folder)
    with fs.open_output_stream(f"{path}.rewrite") as f:
        pq.write_table(rows, f)
    fs.move(f"{path}.rewrite", path)


def remove(storage: Storage, folder: str, paths: Sequence[str]) -> None:
    """Delete files under ``folder``; one already gone is not an error."""
    fs = storage.folder_fs(folder)
    for path in paths:
        try:
            fs.delete_file(path)
        except FileNotFoundError:
            continue


PATH = "__filename"
"""The column :func:`read_many` adds: each row's file, relative to the folder."""


def many(storage: Storage, folder: str, paths: Sequence[str], schema: pa.Schema) -> pads.Dataset:
    """Every file in ``paths`` as one dataset in ``schema``'s types (a file lacking a column gives
    nulls; each file's values are cast to ``schema``'s types first), for :func:`read_many`. Kept for
    several scans, it reads each file's footer once: a later scan prunes row groups by the
    statistics the first one read."""
    import pyarrow.dataset as pads

    return pads.dataset(list(paths), filesystem=storage.folder_fs(folder), format="parquet", schema=schema)


def read_many(found: pads.Dataset, filter: pc.Expression | None = None) -> pa.Table:
    """The rows passing ``filter`` of every file of ``found`` (:func:`many`), in one scan over all
    cores, with :data:`PATH`. Raises ``FileNotFoundError`` when a file went since the listing."""
    columns = [*found.schema.names, PATH]
    try:  # no faithful() first: it reads every file's footer again (pyarrow 26 filters view types right)
        return found.to_table(columns=columns, filter=filter)
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
        if filter is None:
            raise
    # files in types pyarrow cannot filter in the scan: filter after the cast, as lakekit.storage.scan does
    reader = found.scanner(columns=columns).to_reader()
    return pa.Table.from_batches([batch.filter(filter) for batch in reader], schema=reader.schema)
