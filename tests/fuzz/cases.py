"""What the fuzz suite runs and finds: a :class:`Case` (files, a starting lake, CLI steps), pure
data, so any runner can replay it from scratch; a :class:`Result` per command; a :class:`Violation`
per broken promise."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "zq-secret-7"
"""Planted in values (never in names or paths): must never be echoed by an error."""
TIMEOUT = float(os.environ.get("LAKEKIT_FUZZ_TIMEOUT", "20"))
USAGE = 2
HERE = Path(__file__).resolve().parent
SCHEMA_PATH = HERE / "schema_path"
CONFIG = b'schema_package = "fuzzschemas"\n'
"""Written as ``lakekit.toml`` into every work folder: the lakes' schema package is the suite's own."""


# ---------------------------------------------------------------------------------------------
# cases


@dataclass
class Expected:
    """What a successful ingest must hold (from the model the file was generated from)."""

    rows: int
    columns: list[str] | None = None
    """Exact top-level column names (``_load_id`` aside); None: not checked."""
    nonnull: dict[str, int] | None = None
    """Column -> number of non-null cells."""
    strings: dict[str, list[str]] | None = None
    """Column -> string values that must come back verbatim (when the column is text)."""
    numbers: dict[str, list[int]] | None = None
    """Column -> integers that must come back exactly (as a number or as their text)."""


@dataclass
class Step:
    """One CLI command. ``argv`` is the command and its options; ``args`` the positionals, put
    after ``--lake L --`` so a hostile positional (``-x.y``) is never read as an option."""

    argv: list[str]
    args: list[str] = field(default_factory=list)
    expect: str = "any"
    """``ok`` (exit 0), ``fail`` (exit 1, one line), ``usage`` (exit 2), ``any`` (0 or 1)."""
    writes: bool = False
    """May change the lake when it succeeds (ingest, gdpr find/erase, repair)."""
    table: str | None = None
    """For an ingest: the target, whose content and follow-ups are checked after success."""
    expected: Expected | None = None
    secret: bool = True
    """The output must not carry MARKER when this step fails (or writes, or is a GDPR command)."""
    why: str = ""
    """Why ``expect`` is what it is (shown in violations)."""
    json_rows: int | None = None
    """When set, a successful ``--json`` step must print a list of exactly this many items."""

    def command(self, lake: str) -> list[str]:
        return [*self.argv, "--lake", lake, "--", *self.args] if self.args else [*self.argv, "--lake", lake]


@dataclass
class Case:
    """Files written into a fresh work folder, a lake to start from, steps to run."""

    label: str
    steps: list[Step]
    files: dict[str, bytes] = field(default_factory=dict)
    lake: str = "empty"
    """``empty`` or ``fixture`` (a copy of the session's fixture lake, see :func:`fixture_lake`)."""
    follow_ups: bool = True

    def describe(self) -> dict[str, Any]:
        return {"label": self.label, "lake": self.lake,
                "steps": [{"argv": s.argv, "args": s.args, "expect": s.expect} for s in self.steps],
                "files": {k: _preview(v) for k, v in self.files.items()}}


def _preview(data: bytes, limit: int = 300) -> str:
    text = data[:limit].decode("utf-8", "backslashreplace")
    return text + (f"... ({len(data)} bytes)" if len(data) > limit else "")


@dataclass
class Result:
    argv: list[str]
    rc: int
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    runner: str


@dataclass
class Violation:
    kind: str
    step: list[str]
    detail: str
    rc: int | None = None
    stderr: str = ""

    def __str__(self) -> str:
        return f"[{self.kind}] {shlex.join(self.step)} -> rc={self.rc}: {self.detail}\n    {self.stderr[:400]!r}"
