"""A fork server for the fuzz harness: imports the CLI once, then runs each command in a forked child.

Started by ``harness.ForkServerRunner`` as ``python _forkserver.py``. Protocol: one JSON object per
line on stdin ``{"argv", "cwd", "env", "timeout", "stdout", "stderr"}``; one JSON object per line
on stdout ``{"rc", "timed_out", "seconds"}``. ``rc`` is negative when a signal ended the child, as
``subprocess`` reports it.

The child is the real ``lakekit`` entry point (``lakekit.cli.main`` with ``sys.argv`` set), with
its own file descriptors 0/1/2, working directory, environment and process group, so a segfault
or abort ends the child and not the harness, and a hang is killed after ``timeout`` seconds
(the whole process group). What it does not reproduce: the interpreter's shutdown (module
finalisation, native destructors at exit) and anything done at import time under a different
environment. The harness therefore re-runs every failing case in a real subprocess before
reporting it.

Nothing is run in this process before forking, only imports, so no native runtime (tokio,
DuckDB, pyarrow thread pools) exists yet to be inherited half-initialised.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import sys
import time
import traceback
import warnings


def _child(request: dict) -> None:
    code = 1
    try:
        os.setpgid(0, 0)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        stdin = os.open(os.devnull, os.O_RDONLY)
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(stdin, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        for fd in (stdin, out, err):
            os.close(fd)
        sys.argv = ["lakekit", *request["argv"]]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from lakekit.cli import main

        try:
            main()
            code = 0
        except SystemExit as e:  # what the interpreter does with it
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code & 0xFF
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:  # an uncaught exception: the interpreter prints it and exits 1
            traceback.print_exc()
            code = 1
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _wait(pid: int, timeout: float) -> tuple[int, bool]:
    fd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        timed_out = not ready
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status), timed_out
    return os.WEXITSTATUS(status), timed_out


def serve() -> None:
    warnings.simplefilter("ignore")  # polars warns about fork(); this process runs nothing but fork
    import functools

    import typer.main

    import lakekit.cli  # the expensive part, done once

    # typer turns the app into a click command on every call (~0.2-0.4 s of reading signatures):
    # built once here, every child runs the same command object
    typer.main.get_command = functools.cache(typer.main.get_command)
    command = typer.main.get_command(lakekit.cli.app)
    try:
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            command.main(["tables", "--help"], prog_name="lakekit", standalone_mode=False)
    except SystemExit:
        pass
    warnings.resetwarnings()
    proto = sys.stdout
    print(json.dumps({"ready": os.getpid()}), file=proto, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(request)
        rc, timed_out = _wait(pid, float(request["timeout"]))
        print(json.dumps({"rc": rc, "timed_out": timed_out, "seconds": time.monotonic() - start}),
              file=proto, flush=True)


if __name__ == "__main__":
    serve()
