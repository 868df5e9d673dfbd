"""``run.features``: point-in-time training sets built inside a run, recorded so the run can build
them again.

The labels table and each feature view's table are recorded reads at the versions pinned for
the call (``run.inputs``, lineage, staleness, vacuum and GDPR see them like any ``run.read``), and
the recipe (:class:`lakekit.features.TrainingSet`) is kept in ``_lakekit/training_sets`` with a
fingerprint of the rows it gave. Labels must therefore be a lake table: rows held only in memory
could not be had again (write them first, e.g. with ``run.write``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from lakekit.core.fingerprint import table_fingerprint
from lakekit.errors import UsageError
from lakekit.features import FeatureStore, KnownAt, LabelSource, TrainingSet
from lakekit.index import metadata
from lakekit.index.provenance import now
from lakekit.storage.delta import Storage
from lakekit.write import indexes

if TYPE_CHECKING:
    from lakekit.runs.record import Run


class RunFeatures:
    """The feature views of a run's lake, with every training set recorded against the run."""

    def __init__(self, run: Run, store: FeatureStore) -> None:
        self._run = run
        self._store = store

    def historical(self, labels: LabelSource, features: str | Sequence[str], timestamp: str, *,
                   ttl: str | timedelta | None = None, known_at: KnownAt = "event", full_names: bool = False,
                   versions: Mapping[str, int] | None = None) -> pa.Table:
        """:meth:`lakekit.features.FeatureStore.historical` over a labels *table* (name, or
        (name, version)), recorded: the labels and each view's table as reads, and the recipe."""
        if not isinstance(labels, str | tuple):
            raise UsageError("inside a run, labels are a lake table (name or (name, version)) so the run can "
                             "reproduce its training set; write them to the lake first (run.write)")
        table, version = (labels, None) if isinstance(labels, str) else labels
        rows = self._run.read(table, version)
        pinned = self._run.reads[-1].version
        recipe = TrainingSet.of((table, pinned), self._store.pin(features, versions), timestamp=timestamp,
                                known_at=known_at, ttl=ttl, full_names=full_names)
        for pin in recipe.pins:
            self._run.read(pin.view.table, pin.version, columns=[*pin.view.entity, pin.view.timestamp, *pin.features])
        storage = self._run.storage
        built = recipe.build(storage, rows)
        seq = 1 + sum(1 for _ in training_sets(storage, self._run.run_id))
        row = {"run_id": self._run.run_id, "seq": seq, "spec": recipe.asdict(), "rows": built.num_rows,
               "fingerprint": table_fingerprint(built), "built_at": now()}
        indexes.append(storage, "training_sets", metadata.rows("training_sets", [row]))
        return built


def training_sets(storage: Storage, run_id: str) -> Iterator[tuple[int, TrainingSet, int, str]]:
    """(seq, recipe, rows, fingerprint) of each training set a run built, in order."""
    found = metadata.read(storage, "training_sets", where=("run_id", (run_id,))).to_pylist()
    for r in sorted(found, key=lambda r: r["seq"]):
        yield r["seq"], TrainingSet.from_dict(json.loads(r["spec"])), r["rows"], r["fingerprint"]
