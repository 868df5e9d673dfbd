"""``lakekit docs``: a static site of a lake's tables, versions, lineage, runs and GDPR trail.

:mod:`~lakekit.site.pages` takes what the pages show from a :class:`~lakekit.lake.Lake`'s
public methods (JSON-ready, no personal value), :mod:`~lakekit.site.writer` writes it with the
pages' script, style and graph library into a folder that opens from ``file://``, and
:mod:`~lakekit.site.serve` serves that folder on 127.0.0.1 through a :class:`Rebuilder`: built
again on a page load when the lake changed, a comparison of any two runs made when first asked for.
"""

from __future__ import annotations

from pathlib import Path

from lakekit.core.progress import Steps
from lakekit.lake import Lake
from lakekit.site.pages import HOPS, Site, comparison_page, gather
from lakekit.site.writer import SiteReport, put, write

__all__ = ["HOPS", "Rebuilder", "Site", "SiteReport", "build", "gather", "write"]


def build(lake: Lake, out: str | Path, *, preview: int = 0, hops: int | None = HOPS,
          progress: Steps | None = None) -> SiteReport:
    """Write the site of ``lake`` into the folder ``out``; ``preview`` rows per table (personal data
    masked), lineage walks of at most ``hops`` hops (None: any); ``progress`` counts the tables gathered."""
    return write(gather(lake, preview=preview, hops=hops, progress=progress), Path(out))


class Rebuilder:
    """The site of ``lake`` in ``out``, kept current: :meth:`refresh` builds it again only when the
    lake's state (:meth:`Lake.state`) differs from the one it was last built from."""

    def __init__(self, lake: Lake, out: str | Path, *, preview: int = 0, hops: int | None = HOPS) -> None:
        self.lake, self.out, self.preview, self.hops = lake, Path(out), preview, hops
        self.built_from: str | None = None
        self.builds = 0

    def refresh(self) -> SiteReport | None:
        """Build the site if the lake changed since the last build (the report), else None."""
        state = self.lake.state()  # read first: a change made during the build makes the next refresh build again
        if state == self.built_from:
            return None
        report = build(self.lake, self.out, preview=self.preview, hops=self.hops)
        self.built_from, self.builds = state, self.builds + 1
        return report

    def compare(self, a: str, b: str) -> None:
        """Write the data file of runs ``a`` and ``b`` side by side (``lake.compare_runs``)."""
        put(self.out, f"compare/{a}/{b}", comparison_page(self.lake, a, b))
