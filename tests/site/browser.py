"""Debian's chromium, driven by Playwright (its own browser download needs the internet): `make browser` installs it."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync")
"""Headless, as root, and no connection of its own (updates, sync, safe browsing): loopback only."""


def require() -> None:
    """Skip when the browser is missing, except in CI (where `make test` installs it first)."""
    present = {"chromium": Path(CHROMIUM).exists(), "playwright": importlib.util.find_spec("playwright") is not None}
    missing = [what for what, there in present.items() if not there]
    if missing and os.environ.get("CI"):
        pytest.fail(f"{', '.join(missing)} missing in CI: `make test` runs `make browser` first")
    if missing:
        pytest.skip(f"{', '.join(missing)} missing: run `make browser` (and `make .venv/.installed`)")


@contextmanager
def page(profile: Path) -> Iterator[tuple[object, list[str]]]:
    """A page in a fresh headless chromium (profile in ``profile``), and the list of every URL it requests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=list(ARGS),
                                                       headless=True)
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        errors: list[str] = []
        tab = context.new_page()
        tab.on("pageerror", lambda e: errors.append(str(e)))
        try:
            yield tab, requested
        finally:
            context.close()
        assert not errors, f"the page's script failed: {errors}"
