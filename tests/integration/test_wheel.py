"""The wheel installs lakekit alone, and a fresh environment with it starts a project of its own.

The wheel is built from a copy of the repository's files (nothing written into the checkout) with
this environment's setuptools, and installed without its dependencies into a fresh venv that
reads them from this environment (a ``.pth`` line; the editable install of lakekit here is a
``.pth`` of its own, which such a line does not run, so only the wheel's lakekit is importable).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import lakekit

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _sources(into: Path) -> Path:
    """The repository's files (tracked, and new ones not ignored) as they are in the work tree."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                            check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: which files make the package is git's to say")
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (REPO / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, into / name)
    return into


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the bin folder of a fresh venv where it is installed)."""
    base = tmp_path_factory.mktemp("wheel")
    source = _sources(base / "src")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir",
         base / "dist", source, cwd=base)
    (wheel,) = (base / "dist").glob("lakekit-*.whl")
    venv.create(base / "fresh", with_pip=False)
    fresh = base / "fresh" / "bin" / "python"
    site = Path(_run(fresh, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=base).stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    _run(sys.executable, "-m", "pip", "--python", fresh, "install", "--quiet", "--no-deps", "--no-index", wheel,
         cwd=base)
    return wheel, fresh.parent


def test_the_wheel_holds_lakekit_alone(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"lakekit", f"lakekit-{lakekit.__version__}.dist-info"}
    assert "lakekit/index/schemas.py" in names and "lakekit/py.typed" in names
    assert {f"lakekit/site/static/{n}" for n in ("index.html", "app.js", "app.css")} <= set(names)
    assert "lakekit/impact/facets/LakekitRunFacet.json" in names  # the schema of the events' custom facet


def test_a_fresh_install_runs_and_starts_a_project(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_ = installed
    lake_cli, python = bin_ / "lakekit", bin_ / "python"
    assert _run(lake_cli, "--version", cwd=tmp_path).stdout.strip() == f"lakekit {lakekit.__version__}"
    assert _run(python, "-m", "lakekit", "--version", cwd=tmp_path).stdout.strip() == f"lakekit {lakekit.__version__}"
    assert "init" in _run(lake_cli, "--help", cwd=tmp_path).stdout
    where = _run(python, "-c", "import importlib.util as u, lakekit; print(lakekit.__file__); "
                 "print([m for m in ('schemas', 'examples') if u.find_spec(m)])", cwd=tmp_path).stdout.splitlines()
    assert where[0].startswith(str(bin_.parent)) and where[1] == "[]"
    imported = subprocess.run([python, "-c", "import schemas"], cwd=tmp_path, capture_output=True, text=True)
    assert imported.returncode == 1 and "No module named 'schemas'" in imported.stderr
    _run(lake_cli, "init", "shop", cwd=tmp_path)
    project = tmp_path / "shop"
    (project / "customers.csv").write_text("customer_id,email,country,signed_up\n"
                                           "1,ann@example.com,FR,2026-01-05T10:00:00\n"
                                           "2,not-an-email,DE,2026-01-06T10:00:00\n")
    loaded = json.loads(_run(lake_cli, "ingest", "raw.customers", "customers.csv", "--json", cwd=project).stdout)
    assert (loaded["rows"], loaded["quarantined"]) == (1, 1)  # governed by the project's example schema
    found = json.loads(_run(lake_cli, "gdpr", "find", "email=ann@example.com", "--json", cwd=project).stdout)
    assert [t["table"] for t in found["tables"]] == ["raw.customers"]
    _run(lake_cli, "docs", "build", "--out", "site", cwd=project)  # the pages are package data of the wheel
    assert {p.name for p in (project / "site").iterdir()} >= {"index.html", "app.js", "vendor", "data"}
