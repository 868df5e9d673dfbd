"""The fuzz harness: run a case through the real ``lakekit`` CLI and check what a user can rely on.

A :class:`Case` is pure data (files to write, the lake to start from, CLI steps), so it can be
run again from scratch by another runner. :func:`execute` runs it and returns the
:class:`Violation` s found; nothing here imports lakekit (the CLI is the only interface, plus
``import lakekit as lk`` in the tests' oracles if ever needed).

Invariants checked on every step (issue 14):

* no signal (``rc < 0``: segfault, abort) and no hang (killed after :data:`TIMEOUT` seconds);
* exit code 0 or 1 (2 only for click usage errors), never a ``Traceback``;
* an error (exit 1) is exactly one line on stderr, starting with ``error:``;
* the planted :data:`MARKER` never appears in the output of a failing step, of a write, or of a
  GDPR command;
* a failing step leaves the lake byte-identical (every file hashed before and after); a read
  leaves it byte-identical whatever its outcome;
* a step expected to fail (duplicate headers, corrupt gzip, ...) fails; one expected to succeed
  succeeds; a successful ingest holds exactly the rows, columns and non-null cells of its files
  (checked with ``show --json``), is listed, queryable, indexed, repairable, and loads once.

Runners: :class:`SubprocessRunner` (one interpreter per command: the reference),
:class:`ForkServerRunner` (the CLI imported once, each command in a forked child: same exit
codes, signals, stderr and timeouts, ~10x cheaper) and :class:`InProcessRunner` (click's
``CliRunner``, kept only to document why it is not sound; see README.md). Whatever runner found
a violation, :func:`confirm` runs the case again in a subprocess before it is reported.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MARKER = "zq-secret-7"
"""Planted in values (never in names or paths): must never be echoed by an error."""
TIMEOUT = float(os.environ.get("LAKEKIT_FUZZ_TIMEOUT", "20"))
USAGE = 2
HERE = Path(__file__).resolve().parent
SCHEMA_PATH = HERE / "schema_path"
CONFIG = b'schemas = "fuzzschemas"\n'
"""Written as ``lakekit.toml`` into every work folder: the lakes' schema package is the suite's own."""
_LOG_ENTRY = re.compile(r"_delta_log/\d{20}\.json$")
_ALLOWED_NEW = re.compile(r"(^|/)_lakekit/subject\.key$")


# ---------------------------------------------------------------------------------------------
# cases


@dataclass
class Expected:
    """What a successful ingest must hold (from the model the file was generated from)."""

    rows: int
    columns: list[str] | None = None
    """Exact top-level column names (``_load_id`` aside); None: not checked."""
    nonnull: dict[str, int] | None = None
    """Column -> number of non-null cells."""
    strings: dict[str, list[str]] | None = None
    """Column -> string values that must come back verbatim (when the column is text)."""
    numbers: dict[str, list[int]] | None = None
    """Column -> integers that must come back exactly (as a number or as their text)."""


@dataclass
class Step:
    """One CLI command. ``argv`` is the command and its options; ``args`` the positionals, put
    after ``--lake L --`` so a hostile positional (``-x.y``) is never read as an option."""

    argv: list[str]
    args: list[str] = field(default_factory=list)
    expect: str = "any"
    """``ok`` (exit 0), ``fail`` (exit 1, one line), ``usage`` (exit 2), ``any`` (0 or 1)."""
    writes: bool = False
    """May change the lake when it succeeds (ingest, gdpr find/erase, repair)."""
    table: str | None = None
    """For an ingest: the target, whose content and follow-ups are checked after success."""
    expected: Expected | None = None
    secret: bool = True
    """The output must not carry MARKER when this step fails (or writes, or is a GDPR command)."""
    why: str = ""
    """Why ``expect`` is what it is (shown in violations)."""
    json_rows: int | None = None
    """When set, a successful ``--json`` step must print a list of exactly this many items."""

    def command(self, lake: str) -> list[str]:
        return [*self.argv, "--lake", lake, "--", *self.args] if self.args else [*self.argv, "--lake", lake]


@dataclass
class Case:
    """Files written into a fresh work folder, a lake to start from, steps to run."""

    label: str
    steps: list[Step]
    files: dict[str, bytes] = field(default_factory=dict)
    lake: str = "empty"
    """``empty`` or ``fixture`` (a copy of the session's fixture lake, see :func:`fixture_lake`)."""
    follow_ups: bool = True

    def describe(self) -> dict[str, Any]:
        return {"label": self.label, "lake": self.lake,
                "steps": [{"argv": s.argv, "args": s.args, "expect": s.expect} for s in self.steps],
                "files": {k: _preview(v) for k, v in self.files.items()}}


def _preview(data: bytes, limit: int = 300) -> str:
    text = data[:limit].decode("utf-8", "backslashreplace")
    return text + (f"... ({len(data)} bytes)" if len(data) > limit else "")


@dataclass
class Result:
    argv: list[str]
    rc: int
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    runner: str


@dataclass
class Violation:
    kind: str
    step: list[str]
    detail: str
    rc: int | None = None
    stderr: str = ""

    def __str__(self) -> str:
        return f"[{self.kind}] {shlex.join(self.step)} -> rc={self.rc}: {self.detail}\n    {self.stderr[:400]!r}"


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
            except BaseException as e:  # noqa: BLE001  PanicException escapes CliRunner
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


# ---------------------------------------------------------------------------------------------
# the lake's state


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``root`` (``<dir>`` for directories)."""
    found: dict[str, str] = {}
    if not root.exists():
        return found
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        for d in dirs:
            found[os.path.normpath(os.path.join(rel, d))] = "<dir>"
        for f in files:
            path = os.path.join(folder, f)
            try:
                with open(path, "rb") as handle:
                    found[os.path.normpath(os.path.join(rel, f))] = hashlib.sha256(handle.read()).hexdigest()
            except OSError as e:
                found[os.path.normpath(os.path.join(rel, f))] = f"<unreadable {e.errno}>"
    return found


def lake_diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    added = sorted(p for p in after if p not in before and not _ALLOWED_NEW.search(p))
    return {
        "added": added,
        "removed": sorted(p for p in before if p not in after),
        "changed": sorted(p for p in after if p in before and before[p] != after[p]),
        "commits": [p for p in added if _LOG_ENTRY.search(p)],
    }


# ---------------------------------------------------------------------------------------------
# checks


def check_step(step: Step, r: Result, before: dict[str, str], after: dict[str, str]) -> list[Violation]:
    """The invariants every command keeps, whatever its input."""
    v: list[Violation] = []
    cmd = r.argv

    def add(kind: str, detail: str) -> None:
        v.append(Violation(kind, cmd, detail, r.rc, r.stderr.strip()))

    if r.timed_out:
        add("hang", f"no answer within {TIMEOUT:.0f} s")
    elif r.rc < 0:
        add("crash", f"killed by signal {signal.Signals(-r.rc).name}")
    if "Traceback (most recent call last)" in r.stderr + r.stdout:
        add("traceback", _last_exception(r.stderr + r.stdout))
    elif r.rc >= 0 and not r.timed_out:
        if r.rc not in (0, 1, USAGE):
            add("exit-code", f"exit code {r.rc}")
        if r.rc == 1:
            lines = r.stderr.strip().splitlines()
            if len(lines) != 1:
                add("error-format", f"{len(lines)} lines on stderr for an error")
            elif not lines[0].startswith("error: "):
                add("error-format", "error line does not start with 'error: '")
        if r.rc == USAGE and step.expect not in ("usage", "any-usage"):
            add("exit-code", "usage error (exit 2) for an input that is not a usage mistake")
        if step.expect == "ok" and r.rc != 0:
            add("refused", f"expected success ({step.why})" if step.why else "expected success")
        if step.expect == "fail" and r.rc == 0:
            add("accepted", f"expected a one-line error ({step.why})" if step.why else "expected an error")
        if step.expect == "usage" and r.rc not in (USAGE, 1):
            add("accepted", "expected a usage error")
    if step.json_rows is not None and r.rc == 0 and not r.timed_out:
        try:
            got = len(json.loads(r.stdout))
        except (ValueError, TypeError):
            got = -1
        if got != step.json_rows:
            add("wrong-output", f"{got} item(s) printed, expected {step.json_rows}")
    if step.secret and MARKER in r.stdout + r.stderr and (r.rc != 0 or step.writes or cmd[:1] == ["gdpr"]):
        add("echo", "a planted value appears in the output")
    diff = lake_diff(before, after)
    if any(diff[k] for k in ("added", "removed", "changed")):
        if r.rc != 0 or r.timed_out:
            kind = "partial-commit" if diff["commits"] else "residue"
            add(kind, f"lake changed by a failed command: {_summarise(diff)}")
        elif not step.writes:
            add("read-wrote", f"lake changed by a read: {_summarise(diff)}")
    return v


def _summarise(diff: dict[str, list[str]]) -> str:
    parts = [f"{sum(1 for p in diff['added'] if '.' in p.rsplit('/', 1)[-1])} file(s) added, "
             f"of which {sum(1 for p in diff['added'] if p.endswith('.parquet'))} Parquet"]
    for key in ("commits", "added", "removed", "changed"):
        if diff[key]:
            shown = ", ".join(diff[key][:3]) + (f" (+{len(diff[key]) - 3})" if len(diff[key]) > 3 else "")
            parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def _last_exception(text: str) -> str:
    """The exception line of the last traceback, and the deepest lakekit frame."""
    lines = text.strip().splitlines()
    frames = [i for i, line in enumerate(lines) if line.strip().startswith("File ") and "lakekit/" in line]
    where = lines[frames[-1]].strip() if frames else ""
    exc = next((line for line in reversed(lines) if re.match(r"^[\w.]+(Error|Exception|Panic\w*|Warning|Exit)\b", line)
                or re.match(r"^[\w.]+: ", line)), lines[-1] if lines else "")
    return f"{exc[:300]} @ {where[:200]}"


# ---------------------------------------------------------------------------------------------
# follow-ups after a successful ingest


def _sql_name(table: str) -> str:
    ns, _, name = table.partition(".")
    return ".".join('"' + p.replace('"', '""') + '"' for p in (ns, name))


def follow_up(runner: Any, step: Step, work: Path, lake: Path) -> list[Violation]:
    """What a loaded table must allow: be listed, shown with exactly its rows, queried, indexed,
    repaired, and skip its files when loaded again."""
    table = step.table
    assert table is not None
    v: list[Violation] = []

    def run(argv: list[str], args: list[str], failure: str, *, writes: bool = False) -> Result:
        s = Step(argv, args, expect="ok", writes=writes, secret=False)
        before = snapshot(lake)
        r = runner.run(s.command(str(lake)), work)
        for x in check_step(s, r, before, snapshot(lake)):
            if x.kind == "refused":
                x.kind, x.detail = failure, f"after a successful ingest of '{table}'"
            v.append(x)
        return r

    r = run(["tables", "--json"], [], "tables-broken")
    if r.rc == 0:
        with contextlib.suppress(ValueError):
            listed = json.loads(r.stdout)
            if table not in listed and table.lower() not in listed:
                v.append(Violation("not-listed", r.argv, f"'{table}' loaded but not in `tables`", r.rc))
    r = run(["show", "--json", "--limit", "10000000"], [table], "unreadable")
    if r.rc == 0 and step.expected is not None:
        v.extend(_check_content(step, r))
    run(["sql", "--json", "--limit", "0"], [f"SELECT count(*) AS n FROM {_sql_name(table)}"], "unqueryable")
    run(["loads", "--json"], [table], "index-broken")
    r = run([*step.argv, "--json"], step.args, "reingest-failed", writes=True)
    if r.rc == 0:
        with contextlib.suppress(ValueError):
            if not json.loads(r.stdout).get("skipped"):
                v.append(Violation("not-exactly-once", r.argv, "the same files were loaded again", r.rc))
    run(["repair", "--json"], [], "repair-broken", writes=True)
    return v


def _check_content(step: Step, r: Result) -> list[Violation]:
    exp = step.expected
    assert exp is not None
    try:
        rows = json.loads(r.stdout)
    except ValueError as e:
        return [Violation("bad-json", r.argv, f"show --json is not JSON: {e}", r.rc)]
    v: list[Violation] = []

    def add(detail: str) -> None:
        v.append(Violation("data-loss", r.argv, detail, r.rc))

    if len(rows) != exp.rows:
        add(f"{len(rows)} rows loaded, the files hold {exp.rows}")
        return v
    names = set(rows[0]) - {"_load_id"} if rows else None
    if exp.columns is not None and names is not None and names != set(exp.columns):
        add(f"columns {sorted(names)!r} loaded, the files have {sorted(exp.columns)!r}")
        return v
    for column, count in (exp.nonnull or {}).items():
        got = sum(1 for row in rows if row.get(column) is not None)
        if got != count:
            add(f"column {column!r}: {got} non-null values loaded, the files hold {count}")
    for column, values in (exp.strings or {}).items():
        loaded = [row.get(column) for row in rows]
        if all(isinstance(x, str) or x is None for x in loaded):
            missing = [s for s in values if s not in loaded]
            if missing:
                add(f"column {column!r}: {len(missing)} text value(s) changed on the way in, e.g. {missing[0]!r}")
    for column, ints in (exp.numbers or {}).items():
        loaded = [row.get(column) for row in rows if row.get(column) is not None]
        lost = [n for n in ints if not any(_same_number(x, n) for x in loaded)]
        if lost:
            add(f"column {column!r}: integer {lost[0]} came back as something else "
                f"(e.g. {next((x for x in loaded if not _same_number(x, lost[0])), None)!r})")
    return v


def _same_number(x: Any, n: int) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return x == n
    if isinstance(x, float):
        return x == x and abs(x) != float("inf") and x == n  # exact: 1e20 != 99999999999999999999
    return isinstance(x, str) and x.strip() == str(n)


# ---------------------------------------------------------------------------------------------
# running a case


_FIXTURE: dict[str, Path] = {}


def execute(case: Case, runner: Any, base: Path, *, follow: bool = True) -> list[Violation]:
    """Run ``case`` in a fresh folder under ``base`` with ``runner``; the violations found."""
    work = Path(tempfile.mkdtemp(prefix="case-", dir=base))
    try:
        (work / "lakekit.toml").write_bytes(CONFIG)
        for name, data in case.files.items():
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        lake = work / "lake"
        if case.lake == "fixture":
            shutil.copytree(fixture_lake(runner, base), lake, symlinks=True)
        else:
            lake.mkdir()
        violations: list[Violation] = []
        for step in case.steps:
            before, around = snapshot(lake), _outside(work, base)
            r = runner.run(step.command(str(lake)), work)
            after = snapshot(lake)
            violations += check_step(step, r, before, after)
            later = _outside(work, base)
            moved = {k for k in set(around) | set(later) if around.get(k) != later.get(k)}
            if moved:
                violations.append(Violation("wrote-outside-lake", r.argv, f"changed outside the lake root: "
                                            f"{', '.join(sorted(moved)[:3])}", r.rc, r.stderr.strip()))
            if (follow and case.follow_ups and step.table is not None and r.rc == 0 and not r.timed_out
                    and step.argv[:1] == ["ingest"]):
                violations += follow_up(runner, step, work, lake)
        return violations
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _outside(work: Path, base: Path) -> dict[str, str]:
    """The case folder without its lake, and the names beside it: what a command must not touch."""
    found = {f"work/{k}": h for k, h in snapshot(work).items() if k != "lake" and not k.startswith("lake/")}
    with contextlib.suppress(OSError):
        found.update({f"base/{n}": "<entry>" for n in os.listdir(base) if not n.startswith(("case-", "fixture-"))})
    return found


def confirm(case: Case, base: Path) -> list[Violation]:
    """The case again from scratch in real subprocesses: the violations a user would see."""
    runner = SubprocessRunner()
    return execute(case, runner, base)


# ---------------------------------------------------------------------------------------------
# the fixture lake (for SQL, version and option cases)


FIXTURE_TABLES = ("fz.plain", "fz.merged", "fz.evolved", "fz.over", "fz.nested", "raw.users")


def _users_csv(ids: Sequence[int], country: str = "FI") -> bytes:
    head = "user_id,email,full_name,birth_year,country,city,signup_ip,signup_ts,user_agent\n"
    body = "".join(f"{i},{MARKER}.u{i}@example.com,{MARKER} Person {i},{1980 + i},{country},Oulu,10.0.0.{i},"
                   f"2024-01-0{1 + i % 9}T10:00:00,agent\n" for i in ids)
    return (head + body).encode()


FIXTURE_FILES: dict[str, bytes] = {
    "p1.csv": f"id,email,country,amount\n1,{MARKER}.a@example.com,FI,10\n2,b@example.com,SE,20\n".encode(),
    "p2.csv": f"id,email,country,amount\n3,{MARKER}.c@example.com,FI,30\n".encode(),
    "p3.csv": b"id,email,country,amount\n4,d@example.com,NO,40\n",
    "m1.csv": f"id,email,country\n1,{MARKER}.a@example.com,FI\n2,b@example.com,SE\n".encode(),
    "m2.csv": f"id,email,country\n2,{MARKER}.b2@example.com,FI\n3,c@example.com,DK\n".encode(),
    "e1.csv": b"id,a\n1,x\n",
    "e2.csv": b"id,a,b\n2,y,1.5\n",
    "o1.csv": b"id,v\n1,one\n",
    "o2.csv": b"id,v\n2,two\n",
    "n.ndjson": f'{{"id": 1, "s": {{"k": "{MARKER}", "n": 1}}, "l": [1, 2]}}\n{{"id": 2, "s": {{"k": "b", "n": 2}}, "l": []}}\n'
    .encode(),
    "u1.csv": _users_csv([1, 2, 3]),
    "u2.csv": _users_csv([3, 4], country="SE"),
}

FIXTURE_STEPS: list[list[str]] = [
    ["ingest", "fz.plain", "p1.csv"], ["ingest", "fz.plain", "p2.csv"], ["ingest", "fz.plain", "p3.csv"],
    ["ingest", "fz.merged", "m1.csv"], ["ingest", "fz.merged", "m2.csv", "--mode", "merge", "--key", "id"],
    ["ingest", "fz.evolved", "e1.csv"], ["ingest", "fz.evolved", "e2.csv"],
    ["ingest", "fz.over", "o1.csv"], ["ingest", "fz.over", "o2.csv", "--mode", "overwrite"],
    ["ingest", "fz.nested", "n.ndjson"],
    ["ingest", "raw.users", "u1.csv"],
    ["gdpr", "erase", f"email={MARKER}.u1@example.com", "--reason", "fuzz-fixture", "--yes"],
    ["ingest", "raw.users", "u2.csv", "--mode", "merge", "--key", "user_id"],
]
fixture_log: list[Result] = []


def fixture_lake(runner: Any, base: Path) -> Path:
    """A lake with versions, a merge (string_view columns), schema evolution, an overwrite, nested
    columns and a schema-governed table with an erasure; built once per ``base`` through the CLI."""
    key = str(base)
    if key in _FIXTURE:
        return _FIXTURE[key]
    folder = Path(tempfile.mkdtemp(prefix="fixture-", dir=base))
    (folder / "lakekit.toml").write_bytes(CONFIG)
    for name, data in FIXTURE_FILES.items():
        (folder / name).write_bytes(data)
    for argv in FIXTURE_STEPS:
        fixture_log.append(runner.run([*argv, "--lake", str(folder / "lake")], folder))
    _FIXTURE[key] = folder / "lake"
    return _FIXTURE[key]


# ---------------------------------------------------------------------------------------------
# recording (campaign mode)


@dataclass
class Recorder:
    """With $LAKEKIT_FUZZ_RECORD set, violations are appended to that JSONL file instead of
    failing the test, so one run catalogues every failure (hypothesis stops at the first)."""

    path: Path | None = None
    tried: int = 0

    @classmethod
    def from_env(cls) -> Recorder:
        target = os.environ.get("LAKEKIT_FUZZ_RECORD")
        return cls(Path(target) if target else None)

    def record(self, case: Case, violations: list[Violation], runner: str, confirmed: bool | None, *,
               seconds: float = 0.0, total: float = 0.0, raw: list[Violation] | None = None) -> None:
        self.tried += 1
        if self.path is None:
            return
        entry = {"case": case.describe(), "runner": runner, "confirmed": confirmed,
                 "violations": [asdict(x) for x in violations], "at": time.time(), "seconds": seconds,
                 "total": total, "found": len(raw or [])}
        if violations and sum(len(d) for d in case.files.values()) < 200_000:
            entry["files_b64"] = {k: base64.b64encode(d).decode() for k, d in case.files.items()}
        with self.path.open("a") as f:
            f.write(json.dumps(entry) + "\n")


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open() as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
