"""Sources over HTTP: a real server on 127.0.0.1 serving files, read through fsspec."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import lakekit as lk
from lakekit.errors import SourceError


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def test_ingest_from_http_once(served: tuple[str, Path], tmp_path: Path) -> None:
    url, folder = served
    (folder / "ips.csv").write_text("ip,reason\n10.0.0.1,botnet\n10.0.0.2,spam\n")
    lake = lk.Lake(tmp_path / "lake")
    first = lake.ingest("raw.ips", f"{url}/ips.csv", metadata={"vendor": "acme"})
    assert first.rows == 2 and first.files[0].uri == f"{url}/ips.csv"
    assert lake.ingest("raw.ips", f"{url}/ips.csv").skipped
    assert sorted(lake.read("raw.ips").column("ip").to_pylist()) == ["10.0.0.1", "10.0.0.2"]


def test_missing_http_file_is_a_clear_error(served: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = served
    lake = lk.Lake(tmp_path / "lake")
    with pytest.raises(SourceError, match="not found"):
        lake.ingest("raw.ips", f"{url}/nope.csv")
    assert lake.tables() == []
