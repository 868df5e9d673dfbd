"""Writing a gathered :class:`~lakekit.site.pages.Site` as a static site that opens from ``file://``.

The pages are one ``index.html`` with lakekit's own script and style (package data under
``lakekit/site/static``) and the graph library, vis-network, copied from the Python package that
ships it (pyvis) with its licence beside it. The data are JavaScript files (``data/index.js``,
``data/tables/<table>.js``, ``data/lineage/<table>.js``, ``data/edges/<chunk>.js``,
``data/runs/<run id>.js``, ``data/compare/<run a>/<run b>.js``, ``data/gdpr.js``), each one call
``LK.put(key, {...JSON...})``: a browser loads a script from ``file://`` where it refuses to
fetch a JSON file, and the page loads a table's, a table's lineage (and the chunks of edges its
walk draws) or a run's file only when it is shown.

The site is written into a fresh folder beside ``out`` and moved in place at the end, so a
failed build leaves the previous site as it was; ``out`` must be empty, missing or a site
lakekit wrote (it holds the marker file ``.lakekit-site``).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lakekit.core.results import Result
from lakekit.errors import UsageError
from lakekit.site.pages import Site

MARKER = ".lakekit-site"
STATIC = ("index.html", "app.js", "app.css")
GRAPH_LIBRARY = ("pyvis", "lib/vis-9.1.2", ("vis-network.min.js", "vis-network.css"))
"""The package shipping vis-network, the folder inside it, and the files the site uses."""
_LICENCE = re.compile(r"\A/\*\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class SiteReport(Result):
    """What a build wrote: where, how many files, tables and runs."""

    out: str
    files: int
    tables: int
    runs: int


def write(site: Site, out: Path) -> SiteReport:
    """Write ``site`` into the folder ``out`` (replacing a site lakekit wrote there before)."""
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        _static(staging)
        _vendor(staging / "vendor")
        put(staging, "index", site.index)
        put(staging, "gdpr", site.gdpr)
        for folder, pages in (("tables", site.tables), ("lineage", site.lineage), ("edges", site.edges),
                              ("runs", site.runs), ("compare", site.comparisons)):
            for key, page in pages.items():
                put(staging, f"{folder}/{key}", page)
        (staging / MARKER).write_text("written by lakekit docs build\n")
        files = sum(1 for p in staging.rglob("*") if p.is_file())
        previous = staging.with_name(f"{staging.name}-previous")
        if out.exists():
            out.rename(previous)  # moved aside, not deleted first: the old site is gone only once the new one is in
        staging.rename(out)
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SiteReport(str(out), files, len(site.tables), len(site.runs))


def _check_replaceable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"the site folder '{out}' is a file")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"the site folder '{out}' holds files lakekit did not write; give an empty or new folder")


def _static(folder: Path) -> None:
    source = resources.files("lakekit.site") / "static"
    for name in STATIC:
        (folder / name).write_bytes((source / name).read_bytes())


def _vendor(folder: Path) -> None:
    """vis-network's files from the package that ships them, and its licence notice beside them."""
    package, inside, names = GRAPH_LIBRARY
    try:
        source = resources.files(package).joinpath(inside)
    except ModuleNotFoundError:
        raise UsageError(f"lakekit docs draws lineage with vis-network, shipped by the '{package}' package: "
                         "pip install 'lakekit[site]'") from None
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(source.joinpath(name).read_bytes())
    notice = _LICENCE.match((folder / names[0]).read_text(encoding="utf-8"))
    if notice is None:
        raise UsageError(f"the vis-network shipped by '{package}' carries no licence notice; not copied")
    (folder / "LICENSE-vis-network.txt").write_text(
        f"vis-network, copied from the Python package '{package}' ({inside}/{names[0]}):\n\n{notice.group(0)}\n")


def put(site: Path, key: str, value: Any) -> None:
    """Write the data file of ``key`` into the site folder ``site``."""
    path = site / "data" / f"{key}.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    draft = path.with_name(f".{path.name}.draft")  # whole or absent: a server may be sending the file meanwhile
    draft.write_text(f"LK.put({json.dumps(key)}, {text});\n", encoding="utf-8")
    draft.replace(path)
