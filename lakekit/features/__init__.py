"""Point-in-time features: training sets with each feature as of each label's time — as it was
true then (event time) and, asked for, as the lake knew it then (commit time).

A :class:`FeatureView` names a lake table, its entity key column(s), its event-time column, its
features and an optional time-to-live. ``lake.features.historical(labels, ["view:feature", ...],
timestamp=...)`` joins each label row to the latest feature row of its entity that was true at
the label's time (:mod:`lakekit.features.asof`, DuckDB's ``ASOF JOIN`` over pinned versions);
``known_at="commit"`` also requires that row to have been committed by then, from the version
that first held it (:mod:`lakekit.features.known`). ``lake.features.latest(keys, [...])``
answers the same question for now, for serving. Inside a run (``run.features.historical``)
the labels and every view are recorded reads and the recipe is kept, so ``lake.reproduce``
builds the same rows again.

Floor: below ``runs`` (which record and reproduce training sets) and above ``index`` and
``storage`` (the registry of views, the pinned versions and their logs).
"""

from lakekit.features.asof import Pinned, point_in_time
from lakekit.features.store import FeatureStore, Labels, LabelSource, ViewInfo
from lakekit.features.training import TrainingSet
from lakekit.features.view import FeatureView, KnownAt, duration, parse_refs, views_from_config

__all__ = [
    "FeatureStore",
    "FeatureView",
    "KnownAt",
    "LabelSource",
    "Labels",
    "Pinned",
    "TrainingSet",
    "ViewInfo",
    "duration",
    "parse_refs",
    "point_in_time",
    "views_from_config",
]
