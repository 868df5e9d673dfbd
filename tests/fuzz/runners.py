"""Runners: one CLI command in, its exit code, output and timing out.

:class:`SubprocessRunner` (one interpreter per command: the reference), :class:`ForkServerRunner`
(the CLI imported once, each command in a forked child: same exit codes, signals, stderr and
timeouts, ~10x cheaper) and :class:`InProcessRunner` (click's ``CliRunner``, kept only to document
why it is not sound: a segfault kills the session, a native hang cannot be interrupted, an uncaught
exception is no traceback on stderr, a ``PanicException`` escapes it).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.fuzz.cases import HERE, SCHEMA_PATH, TIMEOUT, Result

# ---------------------------------------------------------------------------------------------
# runners


def _cli() -> list[str]:
    """The lakekit command: $LAKEKIT_FUZZ_CLI, else the console script beside this interpreter."""
    if os.environ.get("LAKEKIT_FUZZ_CLI"):
        return shlex.split(os.environ["LAKEKIT_FUZZ_CLI"])
    beside = Path(sys.executable).parent / "lakekit"
    return [str(beside)] if beside.exists() else [shutil.which("lakekit") or "lakekit"]


def child_env() -> dict[str, str]:
    # RUST_BACKTRACE (set in some shells) makes every delta-rs error a multi-line backtrace: users
    # mostly run without it, and the one-line check would otherwise report each of them
    env = {k: v for k, v in os.environ.items()
           if k not in ("LAKEKIT_DEBUG", "PYTEST_CURRENT_TEST", "RUST_BACKTRACE", "RUST_LIB_BACKTRACE")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200", "LAKEKIT_SUBJECT_KEY": "fuzz-subject-key",
                "PYTHONWARNINGS": "ignore::DeprecationWarning",
                "PYTHONPATH": os.pathsep.join(p for p in (str(SCHEMA_PATH), os.environ.get("PYTHONPATH")) if p)})
    return env


class SubprocessRunner:
    """One fresh interpreter per command: what a user runs."""

    name = "subprocess"

    def run(self, argv: Sequence[str], cwd: Path, timeout: float = TIMEOUT) -> Result:
        start = time.monotonic()
        proc = subprocess.Popen([*_cli(), *argv], cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        return Result(list(argv), proc.returncode, _text(out), _text(err), timed_out, time.monotonic() - start,
                      self.name)

    def close(self) -> None:
        pass


def _text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


class ForkServerRunner:
    """The CLI imported once in a server process; each command runs in a child forked from it
    (see ``_forkserver.py``). A server that died is started again."""

    name = "fork"

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._scratch = Path(tempfile.mkdtemp(prefix="lakekit-fork-"))

    def _server(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            python = os.environ.get("LAKEKIT_FUZZ_PYTHON") or _python_of(_cli())
            self._proc = subprocess.Popen([python, str(HERE / "_forkserver.py")], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                          env=child_env(), cwd=self._scratch)
            assert self._proc.stdout is not None
            ready = self._proc.stdout.readline()
            if "ready" not in ready:
                raise RuntimeError(f"fork server did not start: {ready!r}")
        return self._proc

    def run(self, argv: Sequence[str], cwd: Path, timeout: float = TIMEOUT) -> Result:
        with self._lock:
            proc = self._server()
            out, err = self._scratch / "stdout", self._scratch / "stderr"
            request = {"argv": list(argv), "cwd": str(cwd), "env": child_env(), "timeout": timeout,
                       "stdout": str(out), "stderr": str(err)}
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("fork server died")
            answer = json.loads(line)
            return Result(list(argv), int(answer["rc"]), _text(out.read_bytes()), _text(err.read_bytes()),
                          bool(answer["timed_out"]), float(answer["seconds"]), self.name)

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _python_of(cli: list[str]) -> str:
    """The interpreter of the console script (its shebang), else this one."""
    with contextlib.suppress(OSError, IndexError):
        first = Path(cli[0]).read_text(errors="replace").splitlines()[0]
        if first.startswith("#!") and "python" in first:
            return first[2:].strip().split()[0]
    return sys.executable


class InProcessRunner:
    """click's CliRunner in this process. NOT sound as the only runner (README.md): a segfault
    kills the test session, a native hang cannot be interrupted (the SIGALRM here only stops
    Python code), an uncaught exception becomes exit code 1 with no traceback on stderr (it
    is synthesised below from ``result.exception``), and a ``BaseException`` such as pyo3's
    ``PanicException`` escapes ``invoke`` altogether."""

    name = "inprocess"

    def run(self, argv: Sequence[str], cwd: Path, timeout: float = TIMEOUT) -> Result:
        import traceback

        from typer.testing import CliRunner

        from lakekit.cli import app

        class _Timeout(BaseException):
            pass

        def _alarm(*_: Any) -> None:
            raise _Timeout

        if str(SCHEMA_PATH) not in sys.path:
            sys.path.insert(0, str(SCHEMA_PATH))
        start = time.monotonic()
        old = os.getcwd()
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        timed_out = False
        try:
            os.chdir(cwd)
            try:
                result = CliRunner().invoke(app, list(argv), env=child_env(), catch_exceptions=True)
                rc, out, err = result.exit_code, result.stdout, result.stderr
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    err += "".join(traceback.format_exception(result.exception))
            except _Timeout:
                rc, out, err, timed_out = -9, "", "", True
            except BaseException as e:
                rc, out, err = 1, "", "".join(traceback.format_exception(e))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(old)
        return Result(list(argv), rc, out, err, timed_out, time.monotonic() - start, self.name)

    def close(self) -> None:
        pass


def make_runner(kind: str | None = None) -> Any:
    kind = kind or os.environ.get("LAKEKIT_FUZZ_RUNNER") or ("fork" if hasattr(os, "pidfd_open") else "subprocess")
    return {"fork": ForkServerRunner, "subprocess": SubprocessRunner, "inprocess": InProcessRunner}[kind]()
