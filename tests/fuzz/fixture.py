"""The fixture lake SQL, version and option cases start from: versions, a merge (``string_view``
columns), schema evolution, an overwrite, nested columns and a schema-governed table with an
erasure, built once per session through the CLI."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.fuzz.cases import CONFIG, MARKER, Result

_FIXTURE: dict[str, Path] = {}

# ---------------------------------------------------------------------------------------------
# the fixture lake (for SQL, version and option cases)


FIXTURE_TABLES = ("fz.plain", "fz.merged", "fz.evolved", "fz.over", "fz.nested", "raw.users")


def _users_csv(ids: Sequence[int], country: str = "FI") -> bytes:
    head = "user_id,email,full_name,birth_year,country,city,signup_ip,signup_ts,user_agent\n"
    body = "".join(f"{i},{MARKER}.u{i}@example.com,{MARKER} Person {i},{1980 + i},{country},Oulu,10.0.0.{i},"
                   f"2024-01-0{1 + i % 9}T10:00:00,agent\n" for i in ids)
    return (head + body).encode()


FIXTURE_FILES: dict[str, bytes] = {
    "p1.csv": f"id,email,country,amount\n1,{MARKER}.a@example.com,FI,10\n2,b@example.com,SE,20\n".encode(),
    "p2.csv": f"id,email,country,amount\n3,{MARKER}.c@example.com,FI,30\n".encode(),
    "p3.csv": b"id,email,country,amount\n4,d@example.com,NO,40\n",
    "m1.csv": f"id,email,country\n1,{MARKER}.a@example.com,FI\n2,b@example.com,SE\n".encode(),
    "m2.csv": f"id,email,country\n2,{MARKER}.b2@example.com,FI\n3,c@example.com,DK\n".encode(),
    "e1.csv": b"id,a\n1,x\n",
    "e2.csv": b"id,a,b\n2,y,1.5\n",
    "o1.csv": b"id,v\n1,one\n",
    "o2.csv": b"id,v\n2,two\n",
    "n.ndjson": (f'{{"id": 1, "s": {{"k": "{MARKER}", "n": 1}}, "l": [1, 2]}}\n'
                 '{"id": 2, "s": {"k": "b", "n": 2}, "l": []}\n').encode(),
    "u1.csv": _users_csv([1, 2, 3]),
    "u2.csv": _users_csv([3, 4], country="SE"),
}

FIXTURE_STEPS: list[list[str]] = [
    ["ingest", "fz.plain", "p1.csv"], ["ingest", "fz.plain", "p2.csv"], ["ingest", "fz.plain", "p3.csv"],
    ["ingest", "fz.merged", "m1.csv"], ["ingest", "fz.merged", "m2.csv", "--mode", "merge", "--key", "id"],
    ["ingest", "fz.evolved", "e1.csv"], ["ingest", "fz.evolved", "e2.csv"],
    ["ingest", "fz.over", "o1.csv"], ["ingest", "fz.over", "o2.csv", "--mode", "overwrite"],
    ["ingest", "fz.nested", "n.ndjson"],
    ["ingest", "raw.users", "u1.csv"],
    ["gdpr", "erase", f"email={MARKER}.u1@example.com", "--reason", "fuzz-fixture", "--yes"],
    ["ingest", "raw.users", "u2.csv", "--mode", "merge", "--key", "user_id"],
]
fixture_log: list[Result] = []


def fixture_lake(runner: Any, base: Path) -> Path:
    """A lake with versions, a merge (string_view columns), schema evolution, an overwrite, nested
    columns and a schema-governed table with an erasure; built once per ``base`` through the CLI."""
    key = str(base)
    if key in _FIXTURE:
        return _FIXTURE[key]
    folder = Path(tempfile.mkdtemp(prefix="fixture-", dir=base))
    (folder / "lakekit.toml").write_bytes(CONFIG)
    (folder / "lake").mkdir()  # a lake that exists (a writing command makes none by accident)
    for name, data in FIXTURE_FILES.items():
        (folder / name).write_bytes(data)
    for argv in FIXTURE_STEPS:
        fixture_log.append(runner.run([*argv, "--lake", str(folder / "lake")], folder))
    _FIXTURE[key] = folder / "lake"
    return _FIXTURE[key]


# ---------------------------------------------------------------------------------------------
