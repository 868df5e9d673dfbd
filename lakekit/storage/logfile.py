"""The lines of a Delta commit file: JSON objects separated by ``\\n`` alone.

``str.splitlines`` must not be used on them: it also splits at U+0085, U+2028, form feeds and
other characters that delta-rs writes unescaped inside string values (statistics of a text
column), cutting an action in two.
"""

from __future__ import annotations

import json
import re
from typing import Any

COMMIT = re.compile(r"\d{20}\.json")
"""The name of a commit file (not a compacted one, a checkpoint or a checksum)."""


def lines(raw: bytes, errors: str = "strict") -> list[str]:
    """The non-empty lines of a commit file, decoded."""
    return [line for line in raw.decode(errors=errors).split("\n") if line.strip()]


def actions(raw: bytes) -> list[dict[str, Any]]:
    """Each line of a commit file, parsed: one object per action."""
    return [json.loads(line) for line in lines(raw)]


FILE_ACTIONS = ("add", "remove", "cdc")
_OTHERS = tuple(f'{{"{kind}":' for kind in ("commitInfo", "txn", "metaData", "protocol", "domainMetadata"))


def files(raw: bytes) -> list[dict[str, Any]]:
    """The actions of a commit file naming data files (``add``, ``remove``, ``cdc``), parsed. A line
    starting as delta-rs writes the other actions is not parsed (the commit's ``commitInfo``, which
    holds lakekit's record, is most of a small commit's bytes); any other line is, and kept when it
    is one of those."""
    return [action for line in lines(raw) if not line.startswith(_OTHERS)
            if any(kind in (action := json.loads(line)) for kind in FILE_ACTIONS)]
