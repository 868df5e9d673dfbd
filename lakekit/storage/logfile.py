"""The lines of a Delta commit file: JSON objects separated by ``\\n`` alone.

``str.splitlines`` must not be used on them: it also splits at U+0085, U+2028, form feeds and
other characters that delta-rs writes unescaped inside string values (statistics of a text
column), cutting an action in two.
"""

from __future__ import annotations

import json
from typing import Any


def lines(raw: bytes, errors: str = "strict") -> list[str]:
    """The non-empty lines of a commit file, decoded."""
    return [line for line in raw.decode(errors=errors).split("\n") if line.strip()]


def actions(raw: bytes) -> list[dict[str, Any]]:
    """Each line of a commit file, parsed: one object per action."""
    return [json.loads(line) for line in lines(raw)]
