"""Content fingerprints and salted hashes. Pure: callers hand in the bytes.

A source file's identity for exactly-once loading is the SHA-256 of its bytes (hardware
accelerated on x86: ~1.3 GB/s here), so the same content under a new name is recognised,
and a changed file under the same name is not mistaken for the old one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

CHUNK = 8 << 20


def sha256_chunks(chunks: Iterable[bytes]) -> str:
    """``"sha256:<hex>"`` of the concatenated chunks.

    >>> sha256_chunks([b"ab", b"c"]) == sha256_chunks([b"abc"])
    True
    """
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return f"sha256:{h.hexdigest()}"


def stable_hash(value: Any) -> str:
    """Hex SHA-256 of a JSON-able value, independent of dict order.

    >>> stable_hash({"a": 1, "b": [2]}) == stable_hash({"b": [2], "a": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def salted_hash(value: str, salt: bytes) -> str:
    """A keyed hash of a personal identifier, safe to print and log.

    >>> salted_hash("alice@example.com", b"s") != salted_hash("alice@example.com", b"t")
    True
    """
    return hashlib.blake2b(value.encode(), key=salt[:64], digest_size=16).hexdigest()
