"""Lineage across the lake (recorded transforms and runs), impact analysis and reruns."""

from lakekit.impact.graph import (
    LakeLineage,
    Recorded,
    current_edges,
    keys_of,
    latest_transforms,
    openlineage_events,
    order,
    reach,
    recorded_edges,
    rerun,
    walk,
)

__all__ = [
    "LakeLineage",
    "Recorded",
    "current_edges",
    "keys_of",
    "latest_transforms",
    "openlineage_events",
    "order",
    "reach",
    "recorded_edges",
    "rerun",
    "walk",
]
