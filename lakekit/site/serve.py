"""Serving a built site on 127.0.0.1: built again when a page (``/`` or ``index.html``) is asked
for and the lake changed since the last build, and a comparison of two runs made when its data
file is first asked for."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lakekit.errors import LakekitError, UsageError

PAGES = ("/", "/index.html")
COMPARISON = re.compile(r"/data/compare/(\w[\w.-]*)/(\w[\w.-]*)\.js")
"""The data file of two runs side by side (a run id is letters, digits, ``.``, ``-``, ``_``)."""


class _Handler(SimpleHTTPRequestHandler):
    refresh: Callable[[], object]
    compare: Callable[[str, str], object]
    lock: threading.Lock

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        pair = COMPARISON.fullmatch(path)
        try:
            with self.lock:
                if path in PAGES:
                    self.refresh()
                elif pair and not Path(self.translate_path(path)).exists():
                    self.compare(*pair.groups())
        except LakekitError as e:
            self.send_error(HTTPStatus.NOT_FOUND if pair else HTTPStatus.INTERNAL_SERVER_ERROR, f"lakekit docs: {e}")
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the address once, not every request."""


def server(folder: Path, refresh: Callable[[], object], compare: Callable[[str, str], object],
           port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1:``port`` (0: any free port) over ``folder``, calling ``refresh``
    before each page load and ``compare(a, b)`` for a comparison's data file not written yet;
    ``serve_forever()`` runs it."""
    handler = type("Handler", (_Handler,), {"refresh": staticmethod(refresh), "compare": staticmethod(compare),
                                            "lock": threading.Lock()})
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(folder)))
    except OSError as e:
        raise UsageError(f"cannot serve on 127.0.0.1:{port}: {e.strerror or e}") from None
