"""Serving a built site on 127.0.0.1, built again each time a page (``/`` or ``index.html``) is asked for."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lakekit.errors import LakekitError, UsageError

PAGES = ("/", "/index.html")


class _Handler(SimpleHTTPRequestHandler):
    rebuild: Callable[[], object]
    lock: threading.Lock

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] in PAGES:
            with self.lock:
                try:
                    self.rebuild()
                except LakekitError as e:
                    self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"lakekit docs: {e}")
                    return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the address once, not every request."""


def server(folder: Path, rebuild: Callable[[], object], port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1:``port`` (0: any free port) over ``folder``, calling ``rebuild``
    before each page load; ``serve_forever()`` runs it."""
    handler = type("Handler", (_Handler,), {"rebuild": staticmethod(rebuild), "lock": threading.Lock()})
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(folder)))
    except OSError as e:
        raise UsageError(f"cannot serve on 127.0.0.1:{port}: {e.strerror or e}") from None
