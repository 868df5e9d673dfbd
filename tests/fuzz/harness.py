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

Whatever runner (:mod:`tests.fuzz.runners`) found a violation, :func:`confirm` runs the case
again in a subprocess before it is reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

from tests.fuzz.cases import CONFIG, MARKER, TIMEOUT, USAGE, Case, Result, Step, Violation
from tests.fuzz.fixture import fixture_lake
from tests.fuzz.runners import SubprocessRunner

_LOG_ENTRY = re.compile(r"_delta_log/\d{20}\.json$")
_ALLOWED_NEW = re.compile(r"(^|/)_lakekit/subject\.key$")

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
            elif not (_json_error(lines[0]) if "--json" in _options(cmd) else lines[0].startswith("error: ")):
                add("error-format", "error line is not 'error: …' (under --json: {\"error\": {type, message}})")
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


def _options(argv: list[str]) -> list[str]:
    """The arguments before ``--`` (after it, every one is a value)."""
    return argv[:argv.index("--")] if "--" in argv else argv


def _json_error(line: str) -> bool:
    """Whether ``line`` is the one JSON document of an error under ``--json``."""
    try:
        found = json.loads(line)
    except ValueError:
        return False
    return isinstance(found, dict) and set(found) == {"error"} and set(found["error"]) == {"type", "message"}


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


FOLLOW_SHARE = float(os.environ.get("LAKEKIT_FUZZ_FOLLOW_SHARE", "1"))
"""The share of successful ingests that get every follow-up; the others are only shown (their
content checked). ``make fuzz`` samples, to try more inputs in its time."""


def follow_up(runner: Any, step: Step, work: Path, lake: Path, *, every: bool = True) -> list[Violation]:
    """What a loaded table must allow: be shown with exactly its rows; and (``every``) be listed,
    queried, indexed, repaired, and skip its files when loaded again."""
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

    r = run(["show", "--json", "--limit", "10000000"], [table], "unreadable")
    if r.rc == 0 and step.expected is not None:
        v.extend(_check_content(step, r))
    if not every:
        return v
    r = run(["tables", "--json"], [], "tables-broken")
    if r.rc == 0:
        with contextlib.suppress(ValueError):
            listed = json.loads(r.stdout)
            if table not in listed and table.lower() not in listed:
                v.append(Violation("not-listed", r.argv, f"'{table}' loaded but not in `tables`", r.rc))
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
                every = hashlib.sha256(json.dumps(case.describe()).encode()).digest()[0] < 256 * FOLLOW_SHARE
                violations += follow_up(runner, step, work, lake, every=every)
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
