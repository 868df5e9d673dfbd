"""Campaign mode: with ``$LAKEKIT_FUZZ_RECORD`` set, every case and its violations go to a JSONL
file instead of failing the test, so one run catalogues every failure (hypothesis stops at the
first)."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.fuzz.cases import Case, Violation

# recording (campaign mode)


@dataclass
class Recorder:
    """With $LAKEKIT_FUZZ_RECORD set, violations are appended to that JSONL file instead of
    failing the test, so one run catalogues every failure (hypothesis stops at the first)."""

    path: Path | None = None
    tried: int = 0

    @classmethod
    def from_env(cls) -> Recorder:
        target = os.environ.get("LAKEKIT_FUZZ_RECORD")
        return cls(Path(target) if target else None)

    def record(self, case: Case, violations: list[Violation], runner: str, confirmed: bool | None, *,
               seconds: float = 0.0, total: float = 0.0, raw: list[Violation] | None = None) -> None:
        self.tried += 1
        if self.path is None:
            return
        entry = {"case": case.describe(), "runner": runner, "confirmed": confirmed,
                 "violations": [asdict(x) for x in violations], "at": time.time(), "seconds": seconds,
                 "total": total, "found": len(raw or [])}
        if violations and sum(len(d) for d in case.files.values()) < 200_000:
            entry["files_b64"] = {k: base64.b64encode(d).decode() for k, d in case.files.items()}
        with self.path.open("a") as f:
            f.write(json.dumps(entry) + "\n")


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open() as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
