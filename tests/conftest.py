"""Shared fixtures: a lake on local disk and a real S3-compatible server (moto) on 127.0.0.1."""

from __future__ import annotations

import functools
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings

from lakekit import Lake
from tests.fuzz import tally

_BUCKETS = itertools.count()

# No timings in tests: hypothesis's per-example deadline fails examples that a loaded machine (or a
# second test worker on the same two cores) merely slowed down.
settings.register_profile("lakekit", deadline=None)
settings.load_profile("lakekit")


@pytest.fixture
def lake(tmp_path) -> Lake:
    """An empty lake in a fresh temporary folder."""
    return Lake(tmp_path / "lake")


@functools.cache
def _s3fs(endpoint: str):
    import s3fs

    return s3fs.S3FileSystem(key="testing", secret="testing", use_listings_cache=False,
                             client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"})


@dataclass(frozen=True)
class S3:
    """One empty bucket on the session's moto server, and how to reach it."""

    endpoint: str
    bucket: str
    options: dict[str, str]

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key.lstrip('/')}"

    def fs(self):
        """An s3fs filesystem on the server (listings uncached, so tests see their own writes)."""
        return _s3fs(self.endpoint)

    def lake(self, prefix: str = "lake") -> Lake:
        return Lake(self.url(prefix), storage_options=self.options)


# The server runs in a child process, not in a thread of the test process: deltalake 1.6.6
# holds the GIL during some S3 calls (``DeltaTable.is_deltatable``, ``DeltaTable.history``), so
# a server thread in the same interpreter could not answer them and they time out.
_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("%s:%s" % server.get_host_and_port(), flush=True)
sys.stdin.read()  # until the test session closes the pipe (or dies)
server.stop()
"""


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server for the whole session, bound to 127.0.0.1 on a free port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        address = proc.stdout.readline().strip() if proc.stdout else ""
        if not address.startswith("127.0.0.1:"):
            raise RuntimeError(f"moto server did not start (got {address!r})")
        yield f"http://{address}"
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    """A fresh bucket; the environment points every AWS client at the local server only.

    delta-rs merges ``AWS_*`` environment variables into its options: without a key it asks
    the cloud metadata address, without an endpoint it calls the public cloud. Both are set
    here, and profile/session variables that could pull in real credentials are removed.
    """
    options = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "us-east-1",
    }
    for name, value in options.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_VIRTUAL_HOSTED_STYLE_REQUEST"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(name, os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    bucket = f"lakekit-test-{next(_BUCKETS)}"
    s3 = S3(moto_endpoint, bucket, options)
    import boto3

    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=bucket)
    return s3


_CRASH_FILES = ("test_ingest_crash.py", "test_transform_crash.py", "test_gdpr_crash.py", "test_runs_process.py")
_SLOW_FILES = ("test_demo.py", "test_concurrency.py", *_CRASH_FILES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers by what a test needs: ``s3`` (the moto server), ``crash`` (SIGKILLed subprocesses),
    ``slow``; ``pytest -m "not slow and not s3"`` is the fast set."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "s3" in fixtures or "moto_endpoint" in fixtures:
            item.add_marker(pytest.mark.s3)
        if item.path.name in _CRASH_FILES:
            item.add_marker(pytest.mark.crash)
        if item.path.name in _SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Under pytest-xdist: a finished worker's fuzz count joins the controller's (tests/fuzz/tally.py)."""
    tally.TALLY.update(getattr(node, "workeroutput", {}).get(tally.WORKER_KEY, {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    line = tally.summary()
    if line:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A recorded fuzz run (``make fuzz``) passes its tests; it fails as a whole when it found anything."""
    if tally.found_any() and session.exitstatus == 0:
        session.exitstatus = 1
