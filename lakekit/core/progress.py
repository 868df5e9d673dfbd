"""Counted progress: how a long call tells its caller how far it is (a CLI draws it as a bar).

A call that can take a while takes ``progress: Steps | None``. It says ``(done, total, what)``
before each step (``what`` names the step under way, never a value of the data) and once more
at the end (``done == total``, ``what`` empty); the caller decides what to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Steps = Callable[[int, int, str], None]
"""``(done, total, what)``: ``done`` of ``total`` steps are finished, ``what`` is under way."""
_T = TypeVar("_T")


def counted(items: Sequence[_T], progress: Steps | None, name: Callable[[_T], str] = str) -> Iterator[_T]:
    """``items`` one by one, ``progress`` told before each (named by ``name``) and at the end.

    >>> said = []
    >>> [x * 2 for x in counted([1, 2], lambda *step: said.append(step))]
    [2, 4]
    >>> said
    [(0, 2, '1'), (1, 2, '2'), (2, 2, '')]
    """
    for n, item in enumerate(items):
        if progress is not None:
            progress(n, len(items), name(item))
        yield item
    if progress is not None:
        progress(len(items), len(items), "")
