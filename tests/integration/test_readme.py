"""The README's CLI session runs as written, line by line, in a shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import lakekit as lk

README = Path(__file__).resolve().parents[2] / "README.md"


def _session() -> list[str]:
    text = README.read_text()
    return text[text.index("## CLI"):].split("```sh\n", 1)[1].split("```", 1)[0].splitlines()


@pytest.mark.slow
def test_the_readme_cli_session_runs_as_written(tmp_path: Path) -> None:
    first, *lines = _session()
    assert first == "source .venv/bin/activate"  # the test puts this environment's bin on the PATH instead
    env = {**os.environ, "HOME": str(tmp_path), "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                                          os.environ["PATH"]])}
    env.pop("LAKEKIT_SUBJECT_KEY", None)
    done = subprocess.run(["bash", "-c", "\n".join(["set -euo pipefail", *lines])], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lake = lk.Lake(tmp_path / "shop" / "lake", create=False)
    assert lake.tables() == ["marts.countries", "raw.customers"]
    assert [r["customer_id"] for r in lake.quarantine("raw.customers").to_pylist()] == [2]
    assert not lake.gdpr.verify(email="ann@example.com").residue
    assert (tmp_path / "shop" / "ann.json").is_file()
    assert done.stdout.rstrip().endswith('[\n  "marts.countries",\n  "raw.customers"\n]')
