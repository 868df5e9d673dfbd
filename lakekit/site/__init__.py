"""``lakekit docs``: a static site of a lake's tables, versions, lineage, runs and GDPR trail.

:mod:`~lakekit.site.pages` takes what the pages show from a :class:`~lakekit.lake.Lake`'s
public methods (JSON-ready, no personal value), :mod:`~lakekit.site.writer` writes it with the
pages' script, style and graph library into a folder that opens from ``file://``, and
:mod:`~lakekit.site.serve` serves that folder on 127.0.0.1, built again on each page load.
"""

from __future__ import annotations

from pathlib import Path

from lakekit.core.progress import Steps
from lakekit.lake import Lake
from lakekit.site.pages import Site, gather
from lakekit.site.writer import SiteReport, write

__all__ = ["Site", "SiteReport", "build", "gather", "write"]


def build(lake: Lake, out: str | Path, *, preview: int = 0, progress: Steps | None = None) -> SiteReport:
    """Write the site of ``lake`` into the folder ``out``; ``preview`` rows per table (personal data
    masked); ``progress`` counts the pages gathered."""
    return write(gather(lake, preview=preview, progress=progress), Path(out))
