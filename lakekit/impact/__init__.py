"""Lineage across the lake (recorded transforms and runs), impact analysis (graph) and reruns (rerun)."""

from lakekit.impact.graph import (
    Lineage,
    Recorded,
    Walked,
    current_edges,
    latest_transforms,
    reach,
    recorded_edges,
    walk,
    walks,
)
from lakekit.impact.lineage import LakeLineage
from lakekit.impact.rerun import keys_of, order, rerun

__all__ = [
    "LakeLineage",
    "Lineage",
    "Recorded",
    "Walked",
    "current_edges",
    "keys_of",
    "latest_transforms",
    "order",
    "reach",
    "recorded_edges",
    "rerun",
    "walk",
    "walks",
]
