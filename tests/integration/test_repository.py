"""The repository stands alone: a clone of it, in a folder with nothing beside it, lints clean.

``make lint`` runs in the clone with this environment's tools (``VENV=``), so no environment is
built from scratch, and with a copy of the checkout's mypy cache; that it really lints the clone's files
is shown by breaking them there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def clone() -> Iterator[Path]:
    """The committed HEAD of this repository, cloned alone into an empty temporary folder."""
    if _git("rev-parse", "--is-inside-work-tree", cwd=REPO).returncode != 0:
        pytest.skip("not a git checkout: nothing to clone")
    folder = Path(tempfile.mkdtemp(prefix="lakekit-clone-"))
    try:
        done = _git("clone", "--quiet", str(REPO), str(folder / "lakekit"), cwd=folder)
        assert done.returncode == 0, done.stderr
        assert [p.name for p in folder.iterdir()] == ["lakekit"]
        if (REPO / ".mypy_cache").is_dir():  # mypy re-checks a module whose content differs, so only time is saved
            shutil.copytree(REPO / ".mypy_cache", folder / "lakekit" / ".mypy_cache")
        yield folder / "lakekit"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _make(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(["make", "--no-print-directory", *args, f"VENV={VENV}"], cwd=clone, env=env,
                          capture_output=True, text=True, check=False)


def test_no_tracked_file_points_outside_the_repository(clone: Path) -> None:
    outside = [os.path.join("..", "shared"), os.path.join("/work", "shared")]  # the files a session keeps beside it
    hits = _git("grep", "-n", "-I", "-F", *(x for o in outside for x in ("-e", o)), cwd=clone)
    assert hits.stdout == ""


@pytest.mark.slow
def test_a_clone_alone_lints_clean_and_lint_reads_its_files(clone: Path) -> None:
    clean = _make(clone, "lint")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not (clone / ".venv").exists()
    (clone / "lakekit" / "core" / "probe.py").write_text(
        '"""A probe breaking each lint rule."""\nimport os\nfrom lakekit.cli import app\n\nCOUNT: int = "many"\n')
    broken = _make(clone, "-k", "lint")
    found = broken.stdout + broken.stderr
    assert broken.returncode != 0
    assert "F401" in found and "lakekit/core/probe.py:2:8" in found  # the unused import (ruff)
    assert "lakekit/core/probe.py:5: error: Incompatible types" in found  # mypy
    assert "lakekit.core.probe -> lakekit.cli" in found  # import-linter: a floor importing one above it
